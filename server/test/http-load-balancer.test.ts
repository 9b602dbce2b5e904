import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { createProxy, httpClasses, send, TestUpstream } from './support/http-upstream.js';

const sqlite = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

/** A target that accepts connections and drops them at once, counting every attempt. */
async function resettingTarget(): Promise<{ url: string; attempts: () => number; close(): Promise<void> }> {
  let attempts = 0;
  const server = net.createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(sqlite)('HTTP-Load-Balancer spreads calls and skips failing targets ($kind)', (database) => {
  let h: Harness;
  let a: TestUpstream;
  let b: TestUpstream;
  let flaky: Awaited<ReturnType<typeof resettingTarget>>;

  beforeAll(async () => {
    [h, a, b, flaky] = await Promise.all([
      startHarness(database),
      TestUpstream.start(),
      TestUpstream.start(),
      resettingTarget(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), a?.close(), b?.close(), flaky?.close()]);
  });

  const balancer = (name: string, httpMethod: string, path: string, config: Record<string, unknown>) =>
    createProxy(h, {
      action: { name, class: httpClasses.loadBalancer, config },
      operation: { name: `${name}.op`.replace(/-/g, '_'), httpMethod, httpPath: path },
    });

  it('goes round robin over the healthy targets', async () => {
    await balancer('round', 'GET', '/round/:id', { url: [a.url, `${b.url}/`], path: '/hello/{id}' });
    const before = [a.to('/hello/').length, b.to('/hello/').length];
    for (let i = 0; i < 6; i++) expect((await send(`${h.baseUrl}/round/${i}`)).status).toBe(200);
    expect(a.to('/hello/').length - (before[0] as number)).toBe(3);
    expect(b.to('/hello/').length - (before[1] as number)).toBe(3);
    expect(b.last().path).toMatch(/^\/hello\/\d$/);
  });

  it('skips a dead target, leaves it out for a while, and tries it again later', async () => {
    const closed = await freePort();
    await balancer('dead', 'GET', '/dead-lb', {
      url: [`http://127.0.0.1:${closed}`, flaky.url, a.url],
      path: '/ok',
      downFor: 300,
    });
    for (let i = 0; i < 6; i++) expect((await send(`${h.baseUrl}/dead-lb`)).status).toBe(200);
    // the dropping target was tried once, then left out
    expect(flaky.attempts()).toBe(1);
    await new Promise((r) => setTimeout(r, 350));
    for (let i = 0; i < 3; i++) expect((await send(`${h.baseUrl}/dead-lb`)).status).toBe(200);
    expect(flaky.attempts()).toBe(2);
  });

  it('moves a GET on after a 5xx, but not a POST unless told so', async () => {
    a.on('/busy', (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    b.on('/busy', (_req, res) => {
      res.end('served by b');
    });
    await balancer('busy-get', 'GET', '/busy-get', { url: [a.url, b.url], path: '/busy', downFor: 0 });
    for (let i = 0; i < 2; i++) {
      const res = await send(`${h.baseUrl}/busy-get`);
      expect(res.status).toBe(200);
      expect(res.text()).toBe('served by b');
    }

    await balancer('busy-post', 'POST', '/busy-post', { url: [a.url, b.url], path: '/busy', downFor: 0 });
    const statuses = new Set<number>();
    for (let i = 0; i < 2; i++)
      statuses.add((await send(`${h.baseUrl}/busy-post`, { method: 'POST', body: 'x' })).status);
    // one of the two calls started at a and got a's answer: a POST may already have had an effect
    expect([...statuses].sort()).toEqual([200, 503]);

    await balancer('busy-retry', 'POST', '/busy-retry', {
      url: [a.url, b.url],
      path: '/busy',
      downFor: 0,
      retryNonIdempotent: true,
    });
    for (let i = 0; i < 2; i++) {
      expect((await send(`${h.baseUrl}/busy-retry`, { method: 'POST', body: 'x' })).status).toBe(200);
    }
  });

  it('answers 502 when every target is down', async () => {
    const [one, two] = [await freePort(), await freePort()];
    await balancer('nothing', 'GET', '/nothing', { url: [`http://127.0.0.1:${one}`, `http://127.0.0.1:${two}`] });
    const res = await send(`${h.baseUrl}/nothing`);
    expect(res.status).toBe(502);
    expect(res.json()).toEqual({
      success: false,
      title: 'Bad Gateway',
      message: 'The upstream service is not reachable',
    });
  });
});
