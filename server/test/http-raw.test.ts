import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { createProxy, httpClasses, send, TestUpstream } from './support/http-upstream.js';

const sqlite = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe.each(sqlite)('HTTP-Raw sends a request built from templates ($kind)', (database) => {
  let h: Harness;
  let upstream: TestUpstream;

  beforeAll(async () => {
    [h, upstream] = await Promise.all([startHarness(database), TestUpstream.start()]);
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'soap-box',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: `${upstream.url}/svc`, auth: 'bearer', token: 'upstream-token' },
      });
  });
  afterAll(async () => {
    await Promise.all([h?.close(), upstream?.close()]);
  });

  const raw = (name: string, httpMethod: string, path: string, config: Record<string, unknown>) =>
    createProxy(h, {
      action: { name, class: httpClasses.raw, config: { connection: 'soap-box', ...config } },
      operation: { name: `${name}.op`.replace(/-/g, '_'), httpMethod, httpPath: path },
    });

  it('renders method, URL, query, headers and an XML body; the caller’s headers stay behind', async () => {
    await raw('xml', 'POST', '/customers/:id', {
      method: 'PUT',
      url: '/customer/{id}',
      query: 'key={{ query.k }}&fixed=1',
      headers: { 'Content-Type': 'application/xml', 'X-User': '{{ user.name }}', 'X-Empty': '{{ query.none }}' },
      body: '<customer id="{{ path.id }}"><name>{{ payload.name }}</name><city>{{ body.address.city }}</city></customer>',
    });
    const token = await h.adminToken();
    const res = await send(`${h.baseUrl}/customers/42?k=abc`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-custom': 'not forwarded by HTTP-Raw',
      },
      body: JSON.stringify({ name: 'Ada', address: { city: 'London' } }),
    });
    expect(res.status).toBe(200);
    const got = upstream.last();
    expect(got.method).toBe('PUT');
    expect(got.path).toBe('/svc/customer/42');
    expect(Object.fromEntries(got.query)).toEqual({ k: 'abc', key: 'abc', fixed: '1' });
    expect(got.headers['content-type']).toBe('application/xml');
    expect(got.text()).toBe('<customer id="42"><name>Ada</name><city>London</city></customer>');
    expect(got.headers['x-user']).toBe('admin');
    expect(got.headers['x-empty']).toBeUndefined();
    expect(got.headers['x-custom']).toBeUndefined();
    expect(got.headers.authorization).toBe('Bearer upstream-token');
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers['x-portico-user-name']).toBe('admin');
  });

  it('builds JSON with the json filter and answers through the response rules', async () => {
    upstream.on('/svc/notify', (req, res) => {
      res.statusCode = 202;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: req.json() }));
    });
    await raw('json', 'POST', '/notify', {
      method: 'POST',
      url: '/notify',
      body: '{"text": {{ body.text | json }}, "count": {{ body.count | integer | json }}}',
      response: { status: { '202': 200 }, body: { ok: true, echo: '{{ body.received.text }}' } },
    });
    const res = await send(`${h.baseUrl}/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'say "hi"\n', count: '3' }),
    });
    expect(upstream.last().headers['content-type']).toBe('application/json');
    expect(upstream.last().json()).toEqual({ text: 'say "hi"\n', count: 3 });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true, echo: 'say "hi"\n' });
  });

  it('refuses a body template with an unknown filter', async () => {
    const res = await h.fetch('/backend/action', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bad-raw',
        class: httpClasses.raw,
        config: { url: 'http://127.0.0.1:9/x', body: '{{ payload.name | shout }}' },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('unknown filter "shout"');
  });
});
