import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { createProxy, httpClasses, send, TestUpstream } from './support/http-upstream.js';

const sqlite = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe.each(sqlite)('HTTP-Composition merges several upstream calls into one answer ($kind)', (database) => {
  let h: Harness;
  let upstream: TestUpstream;

  beforeAll(async () => {
    [h, upstream] = await Promise.all([startHarness(database), TestUpstream.start()]);
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'shop',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: upstream.url, timeout: 1.5 },
      });
    const json = (res: import('node:http').ServerResponse, value: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(value));
    };
    upstream.on('/users/', (req, res) => json(res, { id: Number(req.path.split('/')[2]), name: 'Ada' }));
    upstream.on('/orders', (req, res) => json(res, [{ order: 1, user: req.query.get('user') }]));
    upstream.on('/prefs', (_req, res) => json(res, { theme: 'dark', name: 'from prefs' }));
    upstream.on('/broken', (_req, res) => {
      res.statusCode = 500;
      res.end('stack trace of the legacy app');
    });
  });
  afterAll(async () => {
    await Promise.all([h?.close(), upstream?.close()]);
  });

  const composition = (name: string, path: string, config: Record<string, unknown>) =>
    createProxy(h, {
      action: { name, class: httpClasses.composition, config: { connection: 'shop', ...config } },
      operation: { name: `${name}.op`.replace(/-/g, '_'), httpMethod: 'GET', httpPath: path },
    });

  it('calls the parts in parallel and keys each result', async () => {
    // every part waits until both have arrived: sequential calls would time out
    let waiting: (() => void)[] = [];
    upstream.on('/together/', (req, res) => {
      waiting.push(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ part: req.path }));
      });
      if (waiting.length === 2) {
        for (const go of waiting) go();
        waiting = [];
      }
    });
    await composition('profile', '/profile/:id', {
      url: { user: '/users/{id}', orders: '/orders?user={id}', a: '/together/a', b: '/together/b' },
    });
    const res = await send(`${h.baseUrl}/profile/7`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      user: { id: 7, name: 'Ada' },
      orders: [{ order: 1, user: '7' }],
      a: { part: '/together/a' },
      b: { part: '/together/b' },
    });
    expect(res.headers['x-portico-failed-parts']).toBeUndefined();
  });

  it('keys results by URL when the URLs are a list (as Fusio does) and can merge objects into one', async () => {
    await composition('fusio-list', '/fusio-list/:id', { url: ['/users/{id}', '/prefs'] });
    expect((await send(`${h.baseUrl}/fusio-list/3`)).json()).toEqual({
      '/users/{id}': { id: 3, name: 'Ada' },
      '/prefs': { theme: 'dark', name: 'from prefs' },
    });

    await composition('merged', '/merged/:id', { url: { user: '/users/{id}', prefs: '/prefs' }, merge: 'object' });
    expect((await send(`${h.baseUrl}/merged/3`)).json()).toEqual({ id: 3, name: 'from prefs', theme: 'dark' });
  });

  it('reports a failing part clearly, or fails the call when configured', async () => {
    const closed = await freePort();
    await composition('partial', '/partial/:id', {
      url: { user: '/users/{id}', legacy: '/broken', offline: `http://127.0.0.1:${closed}/x` },
    });
    const res = await send(`${h.baseUrl}/partial/1`);
    expect(res.status).toBe(200);
    expect(res.headers['x-portico-failed-parts']).toBe('legacy,offline');
    expect(res.json()).toEqual({
      user: { id: 1, name: 'Ada' },
      legacy: {
        success: false,
        title: 'Internal Server Error',
        message: 'Part "legacy": the upstream answered with status 500',
        status: 500,
      },
      offline: {
        success: false,
        title: 'Bad Gateway',
        message: 'Part "offline": the upstream service is not reachable',
        status: 502,
      },
    });

    await composition('strict', '/strict/:id', { url: { user: '/users/{id}', legacy: '/broken' }, failure: 'fail' });
    const strict = await send(`${h.baseUrl}/strict/1`);
    expect(strict.status).toBe(502);
    expect(strict.json()).toEqual({
      success: false,
      title: 'Bad Gateway',
      message: 'Composition failed: legacy (500)',
    });

    await composition('all-down', '/all-down', { url: { a: `http://127.0.0.1:${closed}/a`, b: '/broken' } });
    expect((await send(`${h.baseUrl}/all-down`)).status).toBe(502);
  });

  it('reports a part that is too slow as 504 in its place', async () => {
    upstream.on('/sleepy', (_req, res) => {
      const timer = setTimeout(() => res.end('{}'), 5000);
      res.on('close', () => clearTimeout(timer));
    });
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'impatient-shop',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: upstream.url, timeout: 0.3 },
      });
    await composition('sleepy', '/sleepy-profile/:id', {
      connection: 'impatient-shop',
      url: { user: '/users/{id}', slow: '/sleepy' },
    });
    const res = await send(`${h.baseUrl}/sleepy-profile/2`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      user: { id: 2 },
      slow: { status: 504, message: 'Part "slow": the upstream service did not answer in time' },
    });
  });
});
