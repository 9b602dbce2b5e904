import type { BackendHttpRequest, BackendHttpResponse } from 'fusio-sdk';
import { badRequest } from '../errors.js';
import { type HttpUpstream, upstreamFailure } from './http.js';
import type { UpstreamResponse } from './http-exchange.js';

/** How much of an answer the backend shows; the rest is cut off (and said so in a header). */
const shownBytes = 1024 * 1024;

const notSendable = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
  'content-length',
  'expect',
]);

/** `content-type` → `Content-Type`, as most servers write them. */
function headerCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}

/** At most `shownBytes` of an answer, and whether more was cut off. */
async function shownBody(res: UpstreamResponse, timeout: number): Promise<{ shown: Buffer; truncated: boolean }> {
  let shown = res.bytes ?? Buffer.alloc(0);
  let truncated = false;
  if (res.stream) {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.stream) {
        const bytes = chunk as Buffer;
        chunks.push(bytes);
        size += bytes.length;
        if (size > shownBytes) {
          truncated = true;
          break;
        }
      }
    } catch (error) {
      throw upstreamFailure(error, timeout, true);
    } finally {
      res.stream.destroy();
    }
    shown = Buffer.concat(chunks);
  }
  if (shown.length > shownBytes) return { shown: shown.subarray(0, shownBytes), truncated: true };
  return { shown, truncated };
}

/**
 * The backend's HTTP console: one request through an HTTP connection (its base URL, headers and
 * authentication), the answer shown as text. Hop-by-hop and proxy headers of the request are dropped.
 */
export async function tryHttpRequest(client: HttpUpstream, request: BackendHttpRequest): Promise<BackendHttpResponse> {
  const method = request.method?.trim().toUpperCase();
  if (!method) throw badRequest('Provided no HTTP method');
  if (!/^[A-Z]{1,20}$/.test(method)) throw badRequest(`"${request.method}" is not an HTTP method`);
  const uri = request.uri?.trim();
  if (!uri) throw badRequest('Provided no URI');

  const headers: Record<string, string> = { ...client.headers };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!notSendable.has(lower) && !lower.startsWith('proxy-')) headers[lower] = value;
  }
  const body = request.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : request.body;
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^https?:\/\//i.test(uri)) {
    throw badRequest('The URI must be a path or an http(s) URL');
  }
  let res: UpstreamResponse;
  try {
    res = await client.send({ url: uri, method, headers, body });
  } catch (error) {
    throw upstreamFailure(error, client.timeout, true);
  }
  const { shown, truncated } = await shownBody(res, client.timeout);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[headerCase(name)] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (truncated) out['X-Portico-Truncated'] = `only the first ${shownBytes} bytes are shown`;
  return { statusCode: res.statusCode, headers: out, body: shown.toString('utf8') };
}
