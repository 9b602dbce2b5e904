import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType, response } from '../src/plugins/action.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

// the HTTP layer is the same on every system database: one is enough
const database = (await systemDatabases())[0] as Awaited<ReturnType<typeof systemDatabases>>[number];

/** Answers what the pipeline was given, or a stream (whole, failing at once, or failing half-way). */
const probe = defineActionType<{ mode: string }>({
  class: 'Test.Probe',
  name: 'Test-Probe',
  config: {
    type: 'object',
    properties: { mode: { type: 'string', enum: ['echo', 'stream', 'stream-fails', 'stream-breaks'] } },
  },
  create(config) {
    return (request) => {
      if (config.mode === 'stream')
        return response(200, Readable.from(['{"part":', '"one"}']), { 'content-type': 'application/json' });
      if (config.mode === 'stream-fails') {
        const failing = new Readable({
          read() {
            this.destroy(new Error('upstream gone'));
          },
        });
        return response(200, failing, { 'content-type': 'application/json' });
      }
      if (config.mode === 'stream-breaks') {
        let sent = false;
        const breaking = new Readable({
          read() {
            if (sent) setTimeout(() => this.destroy(new Error('upstream gone half-way')), 20);
            else {
              sent = true;
              this.push('{"part":');
            }
          },
        });
        return response(200, breaking, { 'content-type': 'application/json' });
      }
      return { method: request.method, query: request.query, ip: request.ip, requestId: request.requestId };
    };
  },
});

/** One request on its own connection, to read what fetch hides (HEAD's headers, a cut connection). */
function raw(url: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; cut: boolean }>(
    (resolve, reject) => {
      const req = http.request(url, { method, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cut: false }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cut: true }));
        res.on('aborted', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cut: true }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the gateway’s own entry answers GET and HEAD as the Fastify way answers everything else', () => {
  let h: Harness;
  let proxied: Harness;

  async function setUp(harness: Harness) {
    const admin = harness.admin.backend();
    for (const mode of ['echo', 'stream', 'stream-fails', 'stream-breaks']) {
      await admin.action().create({ name: `probe-${mode}`, class: 'Test.Probe', config: { mode } });
    }
    // the same action behind a GET (the entry) and a POST (a body: Fastify)
    await admin
      .operation()
      .create({ name: 'probe.get', httpMethod: 'GET', httpPath: '/probe', action: 'probe-echo', public: true });
    await admin
      .operation()
      .create({ name: 'probe.post', httpMethod: 'POST', httpPath: '/probe', action: 'probe-echo', public: true });
    for (const mode of ['stream', 'stream-fails', 'stream-breaks']) {
      await admin.operation().create({
        name: `probe.${mode.replace('-', '.')}`,
        httpMethod: 'GET',
        httpPath: `/probe/${mode}`,
        action: `probe-${mode}`,
        public: true,
      });
    }
  }

  beforeAll(async () => {
    h = await startHarness(database, {}, { actionTypes: [probe] });
    const statics = [
      { name: 'json', config: { response: '{"a":[1,2],"b":"ü","c":null}', headers: { 'x-kind': 'json' } } },
      { name: 'text', config: { response: '"plain words"' } },
      { name: 'none', config: { response: '{"ignored":true}', statusCode: 204 } },
    ];
    proxied = await startHarness(database, { TRUST_PROXY: 'true' }, { actionTypes: [probe] });
    await setUp(h);
    await setUp(proxied);
    for (const { name, config } of statics) {
      await h.admin
        .backend()
        .action()
        .create({ name: `static-${name}`, class: 'Fusio.Adapter.Util.Action.UtilStaticResponse', config });
      await h.admin
        .backend()
        .operation()
        .create({
          name: `static.${name}`,
          httpMethod: 'GET',
          httpPath: `/static/${name}`,
          action: `static-${name}`,
          public: true,
        });
    }
  });

  afterAll(async () => {
    await h?.close();
    await proxied?.close();
  });

  it('parses the query string and takes the request id exactly as Fastify does', async () => {
    const query = '?a=1&a=2&b=x%20y+z&c&d=%E2%9C%93&e=';
    const viaEntry = await h.fetch(`/probe${query}`, { headers: { 'x-request-id': 'trace-42.a:b' } });
    const viaFastify = await h.fetch(`/probe${query}`, {
      method: 'POST',
      headers: { 'x-request-id': 'trace-42.a:b', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(viaEntry.status).toBe(200);
    expect(viaFastify.status).toBe(200);
    const got = (await viaEntry.json()) as { query: unknown; ip: string; requestId: string; method: string };
    const expected = (await viaFastify.json()) as typeof got;
    expect(got.method).toBe('GET');
    expect(got.query).toEqual(expected.query);
    expect(got.query).toEqual({ a: ['1', '2'], b: 'x y z', c: '', d: '✓', e: '' });
    expect(got.ip).toBe(expected.ip);
    expect(got.requestId).toBe('trace-42.a:b');
    expect(viaEntry.headers.get('x-request-id')).toBe('trace-42.a:b');
    expect(viaFastify.headers.get('x-request-id')).toBe('trace-42.a:b');

    // a malformed id is replaced by a fresh one, both ways
    const bad = await h.fetch('/probe', { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await bad.json()) as { requestId: string }).requestId).toBe(bad.headers.get('x-request-id'));
    const empty = (await (await h.fetch('/probe')).json()) as { query: unknown };
    expect(empty.query).toEqual({});
  });

  it('reads the client address from X-Forwarded-For behind TRUST_PROXY, and only then', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' };
    const trusted = (await (await proxied.fetch('/probe', { headers })).json()) as { ip: string };
    const trustedPost = (await (
      await proxied.fetch('/probe', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { ip: string };
    expect(trusted.ip).toBe('203.0.113.7');
    expect(trustedPost.ip).toBe('203.0.113.7');
    const direct = (await (await h.fetch('/probe', { headers })).json()) as { ip: string };
    expect(direct.ip).toBe('127.0.0.1');
  });

  it('answers HEAD with GET’s headers and no body', async () => {
    const get = await raw(`${h.baseUrl}/probe?x=1`, 'GET', { 'x-request-id': 'same-id' });
    const head = await raw(`${h.baseUrl}/probe?x=1`, 'HEAD', { 'x-request-id': 'same-id' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Object.keys(head.headers).sort()).toEqual(Object.keys(get.headers).sort());
    // the echo says which method it saw: HEAD is one letter longer
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body.replace('"GET"', '"HEAD"'))));
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['x-operation-id']).toBe('probe.get');
  });

  it('streams an action’s stream; one that fails before its first byte is a 500, one that breaks later cuts the connection', async () => {
    const whole = await raw(`${h.baseUrl}/probe/stream`, 'GET');
    expect(whole.status).toBe(200);
    expect(JSON.parse(whole.body)).toEqual({ part: 'one' });
    expect(whole.headers['x-operation-id']).toBe('probe.stream');

    const failing = await raw(`${h.baseUrl}/probe/stream-fails`, 'GET', { 'x-request-id': 'stream-fails-1' });
    expect(failing.status).toBe(500);
    expect(failing.headers['content-type']).toMatch(/^application\/json/);
    expect(failing.headers['x-request-id']).toBe('stream-fails-1');
    expect(JSON.parse(failing.body)).toMatchObject({ success: false, title: 'Internal Server Error' });
    expect(failing.body).not.toContain('upstream gone');

    const breaking = await raw(`${h.baseUrl}/probe/stream-breaks`, 'GET');
    expect(breaking.status).toBe(200);
    expect(breaking.cut).toBe(true);
    expect(breaking.body).toBe('{"part":');

    // the server goes on serving
    expect((await h.fetch('/probe')).status).toBe(200);
  });

  it('sends a static response as before: its JSON rendered once, a string as text, a 204 without a body', async () => {
    for (let i = 0; i < 2; i++) {
      const json = await raw(`${h.baseUrl}/static/json`, 'GET');
      expect(json.status).toBe(200);
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json.headers['x-kind']).toBe('json');
      expect(json.body).toBe('{"a":[1,2],"b":"ü","c":null}');
      expect(json.headers['content-length']).toBe(String(Buffer.byteLength(json.body)));
    }
    const head = await raw(`${h.baseUrl}/static/json`, 'HEAD');
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength('{"a":[1,2],"b":"ü","c":null}')));
    const text = await raw(`${h.baseUrl}/static/text`, 'GET');
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.body).toBe('plain words');
    const none = await raw(`${h.baseUrl}/static/none`, 'GET');
    expect(none.status).toBe(204);
    expect(none.body).toBe('');
    expect(none.headers['content-length']).toBeUndefined();
  });

  it('leaves the web apps, /metrics and paths Fastify decodes to Fastify', async () => {
    const metrics = await h.fetch('/metrics');
    expect(metrics.status).toBe(401);
    const app = await h.fetch('/apps/fusio', { redirect: 'manual' });
    expect(app.status).toBe(302);
    expect(app.headers.get('location')).toMatch(/\/apps\/backend\/$/);
    const unknown = await h.fetch('/no%20such/path');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { success: boolean }).success).toBe(false);
    const unknownDirect = await h.fetch('/no-such-path');
    expect(unknownDirect.status).toBe(404);
    expect(((await unknownDirect.json()) as { message: string }).message).toBe('Unknown location');
  });
});
