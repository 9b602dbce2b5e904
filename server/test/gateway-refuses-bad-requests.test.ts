import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType, response } from '../src/plugins/action.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

/** A test-only action type whose behaviour the test controls. */
const echoAction = defineActionType<{ mode: string }>({
  class: 'Test.Echo',
  name: 'Test-Echo',
  config: { type: 'object', properties: { mode: { type: 'string', enum: ['echo', 'throw', 'reject'] } } },
  create(config) {
    return (request, context) => {
      if (config.mode === 'throw') throw new Error('secret internal detail: db password is hunter2');
      if (config.mode === 'reject') return Promise.reject(new TypeError('async failure'));
      return response(200, {
        body: request.body === undefined ? null : Buffer.isBuffer(request.body) ? 'bytes' : request.body,
        params: request.params,
        query: request.query,
        user: context.user.anonymous ? null : context.user.name,
      });
    };
  },
});

async function json(res: Response): Promise<{ success?: boolean; title?: string; message?: string; trace?: string }> {
  return (await res.json()) as { success?: boolean; title?: string; message?: string; trace?: string };
}

/** A raw HTTP request, for what fetch refuses to send. */
function rawRequest(port: number, payload: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(payload, 'latin1'));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

describe.each(databases)('the gateway refuses bad requests with the right status ($kind)', (database) => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness(database, { BODY_LIMIT: '2048' }, { actionTypes: [echoAction] });
    const admin = h.admin.backend();
    await admin.schema().create({
      name: 'Address',
      source: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    await admin.schema().create({
      name: 'Person',
      source: {
        type: 'object',
        properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, address: { $ref: 'Address' } },
        required: ['name'],
      },
    });
    for (const mode of ['echo', 'throw', 'reject']) {
      await admin.action().create({ name: `test-${mode}`, class: 'Test.Echo', config: { mode } });
    }
    await admin.operation().create({
      name: 'person.create',
      httpMethod: 'POST',
      httpPath: '/person',
      action: 'test-echo',
      incoming: 'Person',
      public: true,
    });
    await admin.operation().create({
      name: 'person.find',
      httpMethod: 'GET',
      httpPath: '/person/$id<[0-9]+>',
      action: 'test-echo',
      public: true,
      parameters: { limit: { type: 'integer' }, sort: { type: 'string', enum: 'asc,desc' } },
    });
    await admin.operation().create({
      name: 'raw.put',
      httpMethod: 'PUT',
      httpPath: '/raw/*rest',
      action: 'test-echo',
      public: true,
    });
    await admin
      .operation()
      .create({ name: 'boom', httpMethod: 'GET', httpPath: '/boom', action: 'test-throw', public: true });
    await admin
      .operation()
      .create({ name: 'boom.async', httpMethod: 'GET', httpPath: '/boom/async', action: 'test-reject', public: true });
    await admin.operation().create({ name: 'closed', httpMethod: 'GET', httpPath: '/closed', action: 'test-echo' });
    await admin.operation().create({
      name: 'scoped',
      httpMethod: 'GET',
      httpPath: '/scoped',
      action: 'test-echo',
      scopes: ['default'],
    });
    token = await h.adminToken();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('400 for malformed JSON and for a schema violation, naming the field', async () => {
    const malformed = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ success: false, title: 'Bad Request' });

    const missing = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(400);
    expect((await json(missing)).message).toContain('/name');

    const wrongType = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x","age":-3}',
    });
    expect((await json(wrongType)).message).toContain('/age');

    const nested = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x","address":{}}',
    });
    expect(nested.status).toBe(400);
    expect((await json(nested)).message).toContain('/address/city');

    const ok = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Ada","address":{"city":"London"}}',
    });
    expect(ok.status).toBe(200);
  });

  it('removes __proto__ from JSON bodies', async () => {
    const res = await h.fetch('/raw/x', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1,"__proto__":{"polluted":true}}',
    });
    expect(res.status).toBe(200);
    const echoed = (await res.json()) as { body: Record<string, unknown> };
    expect(echoed.body).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('400 for query parameters of the wrong type; path regexes decide the route', async () => {
    expect((await h.fetch('/person/12?limit=10&sort=asc')).status).toBe(200);
    const badLimit = await h.fetch('/person/12?limit=ten');
    expect(badLimit.status).toBe(400);
    expect((await json(badLimit)).message).toContain('limit');
    expect((await h.fetch('/person/12?sort=sideways')).status).toBe(400);
    expect((await h.fetch('/person/abc')).status).toBe(404);
    const rest = (await (await h.fetch('/raw/a/b/c?x=1', { method: 'PUT' })).json()) as {
      params: unknown;
      query: unknown;
    };
    expect(rest.params).toEqual({ rest: 'a/b/c' });
    expect(rest.query).toEqual({ x: '1' });
  });

  it('401 without or with a bad token, 403 without the scope, 200 with it', async () => {
    const none = await h.fetch('/closed');
    expect(none.status).toBe(401);
    expect(await json(none)).toMatchObject({ message: 'Missing authorization header' });
    const basic = await h.fetch('/closed', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
    expect(await json(basic)).toMatchObject({ message: 'Invalid authorization type' });
    const garbage = await h.fetch('/closed', { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('invalid_token');
    // an operation without any scope attached is closed to everybody, admins included
    const closed = await h.fetch('/closed', { headers: { authorization: `Bearer ${token}` } });
    expect(closed.status).toBe(403);
    const scoped = await h.fetch('/scoped', { headers: { authorization: `Bearer ${token}` } });
    expect(scoped.status).toBe(200);
    expect(((await scoped.json()) as { user: string }).user).toBe('admin');
  });

  it('404 for unknown paths, 405 for the wrong method, 413 for a large body, 415 for the wrong type', async () => {
    const unknown = await h.fetch('/does/not/exist');
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ success: false, title: 'Not Found', message: 'Unknown location' });

    const wrong = await h.fetch('/person', { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');

    const big = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(5000) }),
    });
    expect(big.status).toBe(413);
    expect(await json(big)).toMatchObject({ success: false, title: 'Payload Too Large' });

    const xml = await h.fetch('/person', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<person><name>x</name></person>',
    });
    expect(xml.status).toBe(415);
    expect(await json(xml)).toMatchObject({ success: false });

    // a passthrough operation takes any body as it is
    const bytes = await h.fetch('/raw/file', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: randomBytes(64),
    });
    expect(bytes.status).toBe(200);
    expect(((await bytes.json()) as { body: unknown }).body).toBe('bytes');
  });

  it('500 without internals, whether the action throws or rejects; the server keeps serving', async () => {
    for (const path of ['/boom', '/boom/async']) {
      const res = await h.fetch(path);
      expect(res.status).toBe(500);
      const body = await json(res);
      expect(body.success).toBe(false);
      expect(JSON.stringify(body)).not.toContain('hunter2');
      expect(body.trace).toBeUndefined();
    }
    expect((await h.fetch('/person/1')).status).toBe(200);
    await h.flushLogs();
    const errors = await h.admin.backend().log().getAllErrors();
    expect(errors.entry?.some((e) => e.message?.includes('hunter2'))).toBe(true);
  });

  it('survives garbage: random bytes, broken encodings, absurd headers — never a crash', async () => {
    const port = Number(new URL(h.baseUrl).port);
    const attempts = [
      'GET /%%%% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'POST /person HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n\u0000\u0001{[x',
      'POST /person HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-7\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      `GET /person/${'9'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      'GET /person/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \r\nConnection: close\r\n\r\n',
      'PUT /raw/%ff%fe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nConnection: close\r\n\r\na=%ZZ&&=b',
    ];
    for (let i = 0; i < 40; i++) {
      const junk = randomBytes(32 + i * 7)
        .toString('latin1')
        .replace(/\r|\n/g, ' ');
      attempts.push(
        `PUT /raw/${i} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(junk, 'latin1')}\r\nConnection: close\r\n\r\n${junk}`,
      );
    }
    for (const attempt of attempts) {
      const { status } = await rawRequest(port, attempt).catch((e) => {
        throw new Error(`${e.message} for ${JSON.stringify(attempt.slice(0, 80))}`);
      });
      expect(status === 0 || (status >= 200 && status < 500)).toBe(true);
    }
    expect((await h.fetch('/person/1')).status).toBe(200);
  });

  it('refuses operations that would break the API: reserved paths, bad syntax, clashes, duplicates', async () => {
    const create = (body: Record<string, unknown>) =>
      h.fetch('/backend/operation', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ httpMethod: 'GET', action: 'test-echo', ...body }),
      });
    const reserved = await create({ name: 'evil', httpPath: '/backend/operation' });
    expect(reserved.status).toBe(400);
    expect((await json(reserved)).message).toContain('reserved');
    expect((await create({ name: 'evil2', httpPath: 'no-slash' })).status).toBe(400);
    expect((await create({ name: 'evil3', httpPath: '/a//b' })).status).toBe(400);
    expect((await create({ name: 'evil4', httpPath: '/a/$x<(unclosed>' })).status).toBe(400);
    expect((await create({ name: 'evil5', httpPath: '/a/*rest/more' })).status).toBe(400);
    expect((await create({ name: 'evil6', httpPath: '/x', action: 'no-such-action' })).status).toBe(400);
    expect((await create({ name: 'evil7', httpPath: '/x', action: 'system://backend.user.getAll' })).status).toBe(400);
    const duplicateName = await create({ name: 'person.find', httpPath: '/other' });
    expect(duplicateName.status).toBe(409);
    const duplicateRoute = await create({ name: 'person.again', httpMethod: 'POST', httpPath: '/person' });
    expect(duplicateRoute.status).toBe(409);
    const clash = await create({ name: 'person.byName', httpPath: '/person/$name<[a-z]+>' });
    expect(clash.status).toBe(409);
    // nothing of it reached the routing table
    expect((await h.fetch('/other')).status).toBe(404);
    expect((await h.fetch('/x')).status).toBe(404);
  });

  it('refuses bad action configs and unknown classes with 400, keeping the old config', async () => {
    const update = await h.fetch('/backend/action/~test-echo', {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { mode: 'explode' } }),
    });
    expect(update.status).toBe(400);
    expect((await json(update)).message).toContain('/mode');
    const unknown = await h.fetch('/backend/action', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nope', class: 'No.Such.Class', config: {} }),
    });
    expect(unknown.status).toBe(400);
    expect((await h.fetch('/person/1')).status).toBe(200);
  });
});

describe('the gateway refuses JSON nested too deeply, wherever it comes in', () => {
  let h: Harness;
  let token: string;
  const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  beforeAll(async () => {
    h = await startHarness(databases[0] as (typeof databases)[number], {}, { actionTypes: [echoAction] });
    await h.admin
      .backend()
      .action()
      .create({ name: 'echo', class: 'Test.Echo', config: { mode: 'echo' } });
    await h.admin
      .backend()
      .operation()
      .create({ name: 'echo.put', httpMethod: 'PUT', httpPath: '/echo', action: 'echo', public: true });
    token = await h.adminToken();
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (method: string, path: string, body: string, type: string | null = 'application/json') => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (type) headers['content-type'] = type;
    // bytes, not a string: fetch would call a string text/plain
    const res = await h.fetch(path, { method, headers, body: new TextEncoder().encode(body) });
    return { status: res.status, body: (await res.json()) as { message?: string } };
  };

  it('answers 400 for a 100,000-level body on the backend, the debug echo and a user operation; the server keeps serving', async () => {
    for (const [method, path] of [
      ['POST', '/backend/action'],
      ['POST', '/backend/connection'],
      ['POST', '/system/debug'],
      ['PUT', '/echo'],
    ] as const) {
      const answer = await send(method, path, `{"name":"x","config":${deep(100_000)}}`);
      expect(answer.status, path).toBe(400);
      expect(answer.body.message).toMatch(/nested too deeply/);
      // without a content type too
      expect((await send(method, path, deepObject(100_000), null)).status, path).toBe(400);
    }
    // 64 levels are fine
    expect((await send('PUT', '/echo', deep(64))).status).toBe(200);
    expect((await send('PUT', '/echo', deep(65))).status).toBe(400);
    expect((await h.fetch('/system/health')).status).toBe(200);
  });

  it('refuses an action whose JSON config nests too deeply, keeping nothing', async () => {
    const answer = await send(
      'POST',
      '/backend/action',
      JSON.stringify({
        name: 'too-deep',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: deep(100_000) },
      }),
    );
    expect(answer.status).toBe(400);
    expect((await h.fetch('/backend/action/~too-deep', { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      404,
    );
  });
});
