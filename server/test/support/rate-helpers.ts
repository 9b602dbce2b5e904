import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { BackendRateCreate } from 'fusio-sdk';
import { Redis } from 'ioredis';

export { sharedDatabase } from './databases.js';

import type { Harness } from './harness.js';

/** What a rate-limited call came back with. */
export interface Outcome {
  status: number;
  sent: number;
  received: number;
  headers: Headers;
  body: unknown;
}

export async function call(h: Harness, path: string, init: RequestInit = {}): Promise<Outcome> {
  const sent = performance.now();
  const res = await h.fetch(path, init);
  const text = await res.text();
  const received = performance.now();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, sent, received, headers: res.headers, body };
}

/** The name of the rate that counted a response, read from its `RateLimit-Policy` header. */
export function policyOf(outcome: Outcome): string | null {
  const policy = outcome.headers.get('ratelimit-policy');
  return policy === null ? null : (/^"([^"]*)"/.exec(policy)?.[1] ?? null);
}

export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** A public GET operation answering {"ok":true}; returns its id. */
export async function publicOperation(h: Harness, name: string, path: string): Promise<number> {
  const action = `${name.replace(/[^a-zA-Z0-9-]/g, '-')}-action`;
  await h.admin
    .backend()
    .action()
    .create({
      name: action,
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"ok":true}' },
    });
  const created = await h.admin
    .backend()
    .operation()
    .create({ name, httpMethod: 'GET', httpPath: path, action, public: true });
  return Number(created.id);
}

export async function createRate(h: Harness, rate: BackendRateCreate): Promise<number> {
  return Number((await h.admin.backend().rate().create(rate)).id);
}

/** An access token for an app of the given user (client credentials with the app's key and secret). */
export async function appToken(h: Harness, userId: number, name: string): Promise<{ appId: number; token: string }> {
  const app = (await h.admin
    .backend()
    .app()
    .create({ userId, name, url: 'https://client.example.com', scopes: ['default'] })) as {
    id?: string;
    appKey?: string;
    appSecret?: string;
  };
  return { appId: Number(app.id), token: await clientCredentials(h, `${app.appKey}`, `${app.appSecret}`) };
}

export async function clientCredentials(h: Harness, id: string, secret: string): Promise<string> {
  const res = await h.fetch('/authorization/token', {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token for ${id}: ${JSON.stringify(json)}`);
  return json.access_token;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A unique key prefix for one test file, and a way to remove its keys afterwards. */
export function redisPrefix(file: string): string {
  return `portico-test:${file}:${process.pid}:${randomBytes(3).toString('hex')}:`;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export function adminRedis(): Redis {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  return redis;
}

/** A TCP proxy in front of a port, which a test can stop (Redis "goes away") and start again on the same port. */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Polls until `check` holds or the time is up; returns whether it held. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000, everyMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
