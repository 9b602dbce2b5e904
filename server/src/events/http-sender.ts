import { Agent, request } from 'undici';
import { portico } from '../version.js';
import { assertLiteralAllowed, BlockedAddressError, guardedLookup } from './address-guard.js';

export interface SendResult {
  /** the HTTP status, when an answer came */
  code: number | null;
  /** the first bytes of the answer, as text */
  excerpt: string | null;
  /** why no answer came (timeout, refused, blocked address) */
  error: string | null;
  durationMs: number;
}

const excerptLimit = 1024;

/**
 * POSTs webhook requests. Redirects are not followed (a redirect could lead inside the network) and
 * count as a failure; every socket is checked against private addresses when it connects.
 */
export class WebhookSender {
  private readonly agent: Agent;
  readonly userAgent = `Portico-Webhooks/${portico.version}`;

  constructor(
    private readonly allowPrivate: () => boolean,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(allowPrivate), timeout: Math.min(timeoutMs, 10_000) },
      keepAliveTimeout: 4_000,
      connections: 16,
    });
  }

  async post(endpoint: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const url = new URL(endpoint);
      assertLiteralAllowed(url, this.allowPrivate());
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': this.userAgent, ...headers },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size >= excerptLimit) break;
        }
      } catch {
        // the status is what counts; a body cut short still gives an excerpt
      } finally {
        response.body.destroy();
      }
      const excerpt = Buffer.concat(chunks).subarray(0, excerptLimit).toString('utf8');
      return { code: response.statusCode, excerpt, error: null, durationMs: elapsed() };
    } catch (error) {
      return { code: null, excerpt: null, error: describe(error, this.timeoutMs), durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => {});
  }
}

function describe(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (error instanceof BlockedAddressError) return `Refused: ${error.message}`;
  if (err.cause instanceof BlockedAddressError) return `Refused: ${err.cause.message}`;
  if (err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') {
    return `Timeout: no answer within ${timeoutMs} ms`;
  }
  if (err.code === 'UND_ERR_CONNECT_TIMEOUT') return 'Timeout: could not connect';
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const code = err.code && !err.code.startsWith('UND_') ? err.code : cause?.code;
  const text = (cause?.message ?? err.message ?? String(error)).slice(0, 300);
  return code ? `${code}: ${text}` : text;
}
