import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import querystring from 'fast-querystring';
import type { GatewayHandler, GatewayRequest } from './pipeline.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface GatewayEntryOptions {
  /** the pipeline */
  handle: GatewayHandler;
  /** Fastify's own handler: everything the entry does not take */
  fastify: Listener;
  /** TRUST_PROXY: the client address is the first of X-Forwarded-For */
  trustProxy: boolean;
  /** true once the server is closing: Fastify answers those requests (503, Connection: close) */
  closing(): boolean;
  /** answers a failure the pipeline did not turn into a response itself (a bug): 500, or a cut connection */
  failed(req: GatewayRequest, res: ServerResponse, error: unknown): void;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is well-formed, else a new UUID (unique across nodes: logs are merged). */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

// Fastify's router refuses a wildcard longer than its maxParamLength (1000): such paths go to Fastify
const longestPath = 1000;
const trustAll = () => true;

/**
 * The HTTP server's request listener, in front of Fastify. A GET or HEAD of an API path — nearly every
 * call — goes straight into the pipeline: Fastify's per-request work (its request and reply objects,
 * route lookup, hooks, the promise around the handler) costs about 5 µs of a small protected answer's 30–35,
 * and the pipeline uses none of it (it routes, answers and logs itself). Everything else goes to
 * Fastify as before: bodies (its body limit and content-type checks), the web apps at /apps/, /metrics,
 * the MCP endpoint's event stream (GET /mcp),
 * paths Fastify decodes or refuses itself (percent-encoded, over-long, not starting with '/'), and every
 * request once the server is closing. Both ways build the same request: the same id, query parser
 * (Fastify's, fast-querystring) and client address (TRUST_PROXY as Fastify's proxy-addr reads it).
 */
export function gatewayEntry(options: GatewayEntryOptions): Listener {
  const { handle, fastify, trustProxy, closing, failed } = options;
  return (req, res) => {
    const method = req.method;
    const url = req.url as string;
    if ((method !== 'GET' && method !== 'HEAD') || !direct(url) || closing()) {
      fastify(req, res);
      return;
    }
    const request = new EntryRequest(req, method, url, trustProxy);
    handle(request, res).catch((error: unknown) => failed(request, res, error));
  };
}

function direct(url: string): boolean {
  if (url.charCodeAt(0) !== 47 /* '/' */) return false;
  const q = url.indexOf('?');
  const end = q === -1 ? url.length : q;
  if (end > longestPath) return false;
  const percent = url.indexOf('%');
  if (percent !== -1 && percent < end) return false;
  if (url.indexOf('#') !== -1) return false;
  // Fastify's own routes (web/serve.ts, app.ts, mcp/) and anything that merely looks like them
  return (
    !url.startsWith('/apps') && !url.startsWith('/metrics') && !url.startsWith('/mcp') && !url.startsWith('/jsonrpc')
  );
}

/** A request as the pipeline reads it, read lazily from Node's message (the query and address on first use). */
class EntryRequest implements GatewayRequest {
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  readonly body = undefined;
  private parsedQuery: unknown = undefined;
  private address: string | undefined = undefined;

  constructor(
    private readonly raw: IncomingMessage,
    readonly method: string,
    readonly url: string,
    private readonly trustProxy: boolean,
  ) {
    this.headers = raw.headers;
    this.id = requestIdOf(raw.headers);
  }

  get query(): unknown {
    if (this.parsedQuery === undefined) {
      const q = this.url.indexOf('?');
      this.parsedQuery = q === -1 || q === this.url.length - 1 ? {} : querystring.parse(this.url.slice(q + 1));
    }
    return this.parsedQuery;
  }

  get ip(): string {
    if (this.address === undefined) {
      if (this.trustProxy) {
        const all = proxyAddr.all(this.raw, trustAll);
        this.address = all[all.length - 1] as string;
      } else this.address = this.raw.socket?.remoteAddress as string;
    }
    return this.address;
  }
}
