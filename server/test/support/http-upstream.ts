import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommonMessageException } from 'fusio-sdk';
import type { Harness } from './harness.js';

export interface RecordedRequest {
  readonly method: string;
  /** path and query as received */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  json(): unknown;
}

export type UpstreamHandler = (request: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** Echoes what it received as JSON: the default answer of a test upstream. */
export const echo: UpstreamHandler = (request, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.text(),
    }),
  );
};

/**
 * A real HTTP server on a random local port that records every request and answers with a handler
 * the test chooses per path prefix (default: echo). It also counts TCP connections, so a test can see
 * keep-alive reuse and a pool being closed.
 */
export class TestUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: [string, UpstreamHandler][] = [];
  opened = 0;
  closed = 0;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<TestUpstream> {
    const server = http.createServer();
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream = new TestUpstream(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      upstream.opened++;
      socket.on('close', () => upstream.closed++);
    });
    server.on('request', (req, res) => upstream.receive(req, res));
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers requests whose path starts with `prefix` with `handler` (the latest match wins). */
  on(prefix: string, handler: UpstreamHandler): this {
    this.routes.unshift([prefix, handler]);
    return this;
  }

  last(): RecordedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('the upstream has received no request');
    return last;
  }

  /** Requests to paths starting with `prefix`. */
  to(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      // the path exactly as sent: URL parsing would resolve %2E%2E segments
      const q = url.indexOf('?');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: q === -1 ? url : url.slice(0, q),
        query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
        headers: req.headers,
        body,
        text: () => body.toString('utf8'),
        json: () => JSON.parse(body.toString('utf8')),
      };
      this.requests.push(recorded);
      const handler = this.routes.find(([prefix]) => recorded.path.startsWith(prefix))?.[1] ?? echo;
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A local OAuth2 token endpoint (client credentials) for `TestUpstream.on`: issues numbered tokens
 * that live `expiresIn` seconds and remembers every grant it handled.
 */
export function tokenEndpoint(clientId: string, clientSecret: string, expiresIn = 3600) {
  const issued: string[] = [];
  const grants: { authorization: string | undefined; form: URLSearchParams }[] = [];
  const handler: UpstreamHandler = (request, res) => {
    const form = new URLSearchParams(request.text());
    grants.push({ authorization: request.headers.authorization, form });
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const inBody = form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
    res.setHeader('content-type', 'application/json');
    if (form.get('grant_type') !== 'client_credentials' || (request.headers.authorization !== basic && !inBody)) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    const token = `token-${issued.length + 1}`;
    issued.push(token);
    res.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: expiresIn }));
  };
  return { handler, issued, grants };
}

export interface ProxySetup {
  connection?: { name: string; config: Record<string, unknown> };
  action: { name: string; class: string; config: Record<string, unknown> };
  operation: { name: string; httpMethod: string; httpPath: string };
}

/** Creates (through the backend API) a connection, an action and a public operation using it. */
export async function createProxy(h: Harness, setup: ProxySetup): Promise<void> {
  try {
    await createAll(h, setup);
  } catch (error) {
    // the SDK's exception hides the server's message; a failing test should show it
    if (error instanceof CommonMessageException) throw new Error(`backend refused: ${error.getPayload().message}`);
    throw error;
  }
}

async function createAll(h: Harness, setup: ProxySetup): Promise<void> {
  const backend = h.admin.backend();
  if (setup.connection) {
    await backend.connection().create({
      name: setup.connection.name,
      class: 'Fusio.Adapter.Http.Connection.Http',
      config: setup.connection.config,
    });
  }
  await backend.action().create(setup.action);
  await backend.operation().create({
    ...setup.operation,
    action: setup.action.name,
    public: true,
    stability: 2,
    incoming: 'Passthru',
  });
}

export const httpClasses = {
  processor: 'Fusio.Adapter.Http.Action.HttpProcessor',
  composition: 'Fusio.Adapter.Http.Action.HttpComposition',
  loadBalancer: 'Fusio.Adapter.Http.Action.HttpLoadBalancer',
  raw: 'Fusio.Adapter.Http.Action.HttpRaw',
} as const;

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
  json(): unknown;
}

/**
 * A request through node:http, which (unlike fetch) may send hop-by-hop headers such as Connection,
 * Keep-Alive, TE and Proxy-Authorization — needed to prove the proxy drops them.
 */
export function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: () => JSON.parse(body.toString('utf8')),
        });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
