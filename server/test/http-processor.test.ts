import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { createProxy, httpClasses, send, TestUpstream } from './support/http-upstream.js';

// the proxy does not touch the system database on its way: SQLite is enough here
const sqlite = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe.each(sqlite)('HTTP-Processor forwards calls to a legacy upstream ($kind)', (database) => {
  let h: Harness;
  let upstream: TestUpstream;

  beforeAll(async () => {
    [h, upstream] = await Promise.all([startHarness(database), TestUpstream.start()]);
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'legacy',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: `${upstream.url}/app/`, headers: { 'X-Legacy-Client': 'portico' }, timeout: 2 },
      });
  });
  afterAll(async () => {
    await Promise.all([h?.close(), upstream?.close()]);
  });

  const processor = (name: string, path: string, config: Record<string, unknown>, httpMethod = 'GET') =>
    createProxy(h, {
      action: { name, class: httpClasses.processor, config: { connection: 'legacy', ...config } },
      operation: { name: `${name}.op`.replace(/-/g, '_'), httpMethod, httpPath: path },
    });

  it('forwards path, query, headers and body; drops hop-by-hop headers; sets X-Forwarded-*', async () => {
    upstream.on('/app/plain', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('keep-alive', 'timeout=5, max=777');
      res.setHeader('connection', 'keep-alive, x-upstream-hop');
      res.setHeader('x-upstream-hop', 'must not reach the caller');
      res.setHeader('proxy-authenticate', 'Basic realm="upstream"');
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.statusCode = 201;
      res.end('{"id":12345678901234567890}');
    });
    await processor('plain', '/plain/:id', { url: '/plain/{id}' }, 'POST');
    const token = await h.adminToken();
    const me = await h.admin.authorization().getWhoami();

    const res = await send(`${h.baseUrl}/plain/42?page=2&tag=a&tag=b`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        connection: 'keep-alive, x-caller-hop',
        'x-caller-hop': 'listed in Connection',
        'keep-alive': 'timeout=99',
        te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0',
        'x-portico-user-id': '999',
        'x-fusio-user-id': '999',
        'x-forwarded-for': '203.0.113.9',
        'x-custom': 'kept',
        host: 'api.example.com',
      },
      body: '{"big": 12345678901234567890, "name":"Ada"}',
    });
    expect(res.status).toBe(201);
    // the body comes back byte for byte (a JSON round trip would have rounded the number)
    expect(res.text()).toBe('{"id":12345678901234567890}');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.headers['keep-alive'] ?? '').not.toContain('max=777');

    const got = upstream.last();
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/app/plain/42?page=2&tag=a&tag=b');
    expect(got.text()).toBe('{"big": 12345678901234567890, "name":"Ada"}');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers['proxy-authorization']).toBeUndefined();
    expect(got.headers['x-caller-hop']).toBeUndefined();
    expect(got.headers.te).toBeUndefined();
    expect(got.headers['keep-alive']).toBeUndefined();
    expect(got.headers['x-custom']).toBe('kept');
    expect(got.headers['x-legacy-client']).toBe('portico');
    expect(got.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(got.headers['x-forwarded-host']).toBe('api.example.com');
    expect(got.headers['x-forwarded-proto']).toBe('http');
    expect(got.headers['x-request-id']).toBe(res.headers['x-request-id']);
    // context headers tell the upstream who calls; the caller cannot forge them
    expect(got.headers['x-portico-user-id']).toBe(String(me.id));
    expect(got.headers['x-portico-user-name']).toBe('admin');
    expect(got.headers['x-portico-user-anonymous']).toBe('0');
    expect(got.headers['x-portico-remote-ip']).toBe('127.0.0.1');
    expect(got.headers['x-fusio-user-id']).toBeUndefined();
  });

  it('maps path parameters into the URL template ({id}, :id, {+rest}) without letting them climb', async () => {
    await processor('paths', '/paths/:id/*rest', { url: '/v1/:id/files/{+rest}?raw={id}' });
    let res = await send(`${h.baseUrl}/paths/a%20b/x/y.txt`);
    expect(res.status).toBe(200);
    expect(upstream.last().url).toBe('/app/v1/a%20b/files/x/y.txt?raw=a%20b');

    // decoded parameters may contain "/" (kept inside the segment) but never dot segments
    res = await send(`${h.baseUrl}/paths/a%2Fb/c`);
    expect(res.status).toBe(200);
    expect(upstream.last().path).toBe('/app/v1/a%2Fb/files/c');
    const before = upstream.requests.length;
    for (const attempt of [
      '/paths/..%2F..%2Fadmin/z',
      '/paths/a/..%2F..%2Fetc',
      '/paths/a/x%5C..%5Cy',
      '/dots?id=..',
    ]) {
      if (attempt.startsWith('/dots')) await processor('dots', '/dots', { url: '/v1/{id}/x' });
      res = await send(`${h.baseUrl}${attempt}`);
      expect(res.status, attempt).toBe(400);
      expect((res.json() as { message: string }).message).toMatch(/must not contain "\." or "\.\." path segments/);
    }
    expect(upstream.requests.length).toBe(before);

    // an absolute URL template is not normalized on its way either
    await createProxy(h, {
      action: { name: 'absolute', class: httpClasses.processor, config: { url: `${upstream.url}/abs/{+rest}` } },
      operation: { name: 'absolute.op', httpMethod: 'GET', httpPath: '/absolute/*rest' },
    });
    await send(`${h.baseUrl}/absolute/x/%2E%2Ey/z`);
    expect(upstream.last().path).toBe('/abs/x/..y/z');

    res = await send(`${h.baseUrl}/dots`);
    expect(res.status).toBe(400);
    expect((res.json() as { message: string }).message).toBe('Missing parameter "id"');
  });

  it('renames, drops and sets query parameters and headers', async () => {
    await processor('mapping', '/mapping/:id', {
      url: '/customer.php',
      query: 'format=json',
      contextHeaders: 'fusio',
      request: {
        query: {
          rename: { q: 'search' },
          drop: ['debug'],
          set: { customer_id: '{{ path.id }}', page: '{{ query.p | default(1) }}' },
        },
        headers: {
          rename: { 'x-tenant': 'x-legacy-tenant' },
          drop: ['x-internal-*'],
          set: { 'X-Api-Version': '2', 'X-Caller': 'user-{{ user.id }}' },
        },
      },
    });
    await send(`${h.baseUrl}/mapping/7?q=ada&debug=1&keep=yes`, {
      headers: { 'x-tenant': 'acme', 'x-internal-secret': 's', 'x-internal-trace': 't' },
    });
    const got = upstream.last();
    expect(got.path).toBe('/app/customer.php');
    expect(Object.fromEntries(got.query)).toEqual({
      keep: 'yes',
      search: 'ada',
      customer_id: '7',
      page: '1',
      format: 'json',
    });
    expect(got.headers['x-legacy-tenant']).toBe('acme');
    expect(got.headers['x-tenant']).toBeUndefined();
    expect(got.headers['x-internal-secret']).toBeUndefined();
    expect(got.headers['x-internal-trace']).toBeUndefined();
    expect(got.headers['x-api-version']).toBe('2');
    expect(got.headers['x-caller']).toBe('user-0');
    // Fusio's names on request, for upstreams written for Fusio
    expect(got.headers['x-fusio-user-anonymous']).toBe('1');
    expect(got.headers['x-portico-user-anonymous']).toBeUndefined();
  });

  it('sends a JSON body as a legacy HTML form (PHP brackets) and as multipart', async () => {
    await processor(
      'form',
      '/form',
      { url: '/save.php', type: 'application/x-www-form-urlencoded', request: { method: 'POST' } },
      'PUT',
    );
    await send(`${h.baseUrl}/form`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada Lovelace', vip: true, address: { city: 'London' }, tags: ['a', 'b'], x: null }),
    });
    let got = upstream.last();
    expect(got.method).toBe('POST');
    expect(got.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(got.text()))).toEqual({
      name: 'Ada Lovelace',
      vip: '1',
      'address[city]': 'London',
      'tags[0]': 'a',
      'tags[1]': 'b',
    });

    await processor('multipart', '/multipart', { url: '/upload.php', type: 'multipart/form-data' }, 'POST');
    await send(`${h.baseUrl}/multipart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Report', meta: { pages: 3 } }),
    });
    got = upstream.last();
    expect(got.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(new Uint8Array(got.body), {
      headers: { 'content-type': got.headers['content-type'] as string },
    }).formData();
    expect(form.get('title')).toBe('Report');
    expect(form.get('meta[pages]')).toBe('3');
  });

  it('reshapes the JSON body with a template (target field ← source)', async () => {
    await processor(
      'reshape',
      '/reshape/:id',
      {
        url: '/api/orders',
        request: {
          body: {
            order_ref: '{{ path.id }}',
            customer: { full_name: '{{ body.name | upper }}', mail: '{{ body.contact.email }}' },
            lines: { $each: '{{ body.items }}', $map: { sku: '{{ item.id }}', qty: '{{ item.count | integer }}' } },
            source: 'portico',
            missing: '{{ body.nothing }}',
          },
        },
      },
      'POST',
    );
    await send(`${h.baseUrl}/reshape/A-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'ada',
        contact: { email: 'ada@example.com' },
        items: [
          { id: 'x', count: '2' },
          { id: 'y', count: 1 },
        ],
      }),
    });
    const got = upstream.last();
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.json()).toEqual({
      order_ref: 'A-1',
      customer: { full_name: 'ADA', mail: 'ada@example.com' },
      lines: [
        { sku: 'x', qty: 2 },
        { sku: 'y', qty: 1 },
      ],
      source: 'portico',
    });
  });

  it('transforms the response: picks and renames fields, maps status, hides upstream errors', async () => {
    upstream.on('/app/legacy/customer', (req, res) => {
      if (req.query.get('id') === '404') {
        res.statusCode = 404;
        res.setHeader('content-type', 'text/html');
        res.end('<html>Not found on legacy box 10.0.0.7</html>');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-powered-by', 'PHP/5.3');
      res.end(JSON.stringify({ CUST_ID: '17', CUST_NAME: 'Ada', INTERNAL_FLAG: 'x', ROWS: [{ N: 'a' }, { N: 'b' }] }));
    });
    upstream.on('/app/legacy/save', (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', 'http://10.0.0.7/customer.php?id=18');
      res.end();
    });
    await processor('pick', '/pick/:id', {
      url: '/legacy/customer?id={id}',
      response: {
        status: { '404': 404 },
        headers: { drop: ['x-powered-by'], set: { 'x-customer-id': '{{ body.CUST_ID }}' } },
        body: {
          id: '{{ body.CUST_ID | integer }}',
          name: '{{ body.CUST_NAME }}',
          rows: { $each: '{{ body.ROWS }}', $map: '{{ item.N }}' },
        },
        errors: 'fusio',
      },
    });
    let res = await send(`${h.baseUrl}/pick/17`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-customer-id']).toBe('17');
    expect(res.json()).toEqual({ id: 17, name: 'Ada', rows: ['a', 'b'] });

    res = await send(`${h.baseUrl}/pick/404`);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({
      success: false,
      title: 'Not Found',
      message: 'The upstream service answered with status 404',
    });

    await processor(
      'save',
      '/save',
      { url: '/legacy/save', response: { status: { '302': 201 }, headers: { drop: ['location'] } } },
      'POST',
    );
    res = await send(`${h.baseUrl}/save`, { method: 'POST', body: 'a=1' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBeUndefined();
  });

  it('passes upstream 4xx/5xx through with status and body unless told otherwise', async () => {
    upstream.on('/app/fails', (req, res) => {
      res.statusCode = req.path.endsWith('422') ? 422 : 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: `upstream said ${res.statusCode}` }));
    });
    await processor('fails', '/fails/:code', { url: '/fails/{code}' });
    let res = await send(`${h.baseUrl}/fails/422`);
    expect(res.status).toBe(422);
    expect(res.json()).toEqual({ error: 'upstream said 422' });
    res = await send(`${h.baseUrl}/fails/503`);
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({ error: 'upstream said 503' });
  });

  it('streams the response: the caller gets the first bytes while the upstream is still writing', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    upstream.on('/app/stream', async (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.write('first chunk;');
      await released;
      res.end('last chunk');
    });
    await processor('stream', '/stream', { url: '/stream' });
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(`${h.baseUrl}/stream`, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            // the upstream has not finished: the proxy must have passed this chunk on already
            if (text === 'first chunk;') release();
          });
          res.on('end', () => resolve(text));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(body).toBe('first chunk;last chunk');
  });

  it('streams large answers intact, with and without Content-Length', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    upstream.on('/app/big', (req, res) => {
      if (req.query.get('sized')) res.setHeader('content-length', String(big.length));
      // two writes without a length: the upstream answers chunked
      res.write(big.subarray(0, 1024 * 1024));
      res.end(big.subarray(1024 * 1024));
    });
    await processor('big', '/big', { url: '/big' });
    for (const query of ['', '?sized=1']) {
      const res = await send(`${h.baseUrl}/big${query}`);
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(big.length);
      expect(res.body.equals(big)).toBe(true);
    }
  });

  it('answers 502 when the upstream port is closed and 504 when it is too slow, and keeps serving', async () => {
    const closedPort = await freePort();
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'dead-upstream',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: `http://127.0.0.1:${closedPort}` },
      });
    await createProxy(h, {
      action: { name: 'dead', class: httpClasses.processor, config: { connection: 'dead-upstream', url: '/x' } },
      operation: { name: 'dead.op', httpMethod: 'GET', httpPath: '/dead' },
    });
    let res = await send(`${h.baseUrl}/dead`);
    expect(res.status).toBe(502);
    expect(res.json()).toEqual({
      success: false,
      title: 'Bad Gateway',
      message: 'The upstream service is not reachable',
    });

    upstream.on('/app/slow', (_req, res) => {
      const timer = setTimeout(() => res.end('too late'), 3000);
      res.on('close', () => clearTimeout(timer));
    });
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'impatient',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: { url: `${upstream.url}/app`, timeout: 0.25 },
      });
    await createProxy(h, {
      action: { name: 'slow', class: httpClasses.processor, config: { connection: 'impatient', url: '/slow' } },
      operation: { name: 'slow.op', httpMethod: 'GET', httpPath: '/slow' },
    });
    const started = Date.now();
    res = await send(`${h.baseUrl}/slow`);
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.json()).toEqual({
      success: false,
      title: 'Gateway Timeout',
      message: 'The upstream service did not answer within 250 ms',
    });

    res = await send(`${h.baseUrl}/fails/422`);
    expect(res.status).toBe(422);
  });

  it('answers 502 when the upstream breaks off in the middle of its body', async () => {
    upstream.on('/app/broken-body', (_req, res) => {
      res.setHeader('content-length', '1000');
      res.write('only the beginning');
      setTimeout(() => res.destroy(), 20);
    });
    await processor('broken-body', '/broken-body', { url: '/broken-body' });
    const res = await send(`${h.baseUrl}/broken-body`);
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ title: 'Bad Gateway', message: 'The upstream service is not reachable' });
  });

  it('keeps its own request id and CORS policy: the upstream cannot override them', async () => {
    upstream.on('/app/own-headers', (_req, res) => {
      res.setHeader('x-request-id', 'upstream-id');
      res.setHeader('access-control-allow-origin', 'https://evil.example');
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('x-kept', 'yes');
      res.end('ok');
    });
    await processor('own-headers', '/own-headers', { url: '/own-headers' });
    const res = await send(`${h.baseUrl}/own-headers`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).not.toBe('upstream-id');
    expect(res.headers['x-request-id']).toBe(upstream.last().headers['x-request-id']);
    // Portico's policy (here: any origin, without credentials) wins over the upstream's
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['x-kept']).toBe('yes');
  });

  it('reuses upstream connections (keep-alive) and answers HEAD without a body', async () => {
    await processor('reuse', '/reuse', { url: '/reuse' });
    const before = upstream.opened;
    for (let i = 0; i < 10; i++) expect((await send(`${h.baseUrl}/reuse`)).status).toBe(200);
    expect(upstream.opened - before).toBeLessThanOrEqual(1);

    const head = await send(`${h.baseUrl}/reuse`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(upstream.last().method).toBe('HEAD');
  });

  it('can be tried from the backend (action execute), streamed answers included', async () => {
    upstream.on('/app/chunked', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"part":');
      setTimeout(() => res.end('"two"}'), 10);
    });
    await processor('chunked', '/chunked', { url: '/chunked' });
    const streamed = await h.admin.backend().action().execute('~chunked', { method: 'GET' });
    expect(streamed).toMatchObject({ statusCode: 200, body: { part: 'two' } });

    const picked = await h.admin.backend().action().execute('~pick', { method: 'GET', uriFragments: 'id=17' });
    expect(picked).toMatchObject({ statusCode: 200, body: { id: 17, name: 'Ada', rows: ['a', 'b'] } });
  });

  it('refuses a config it cannot understand with a clear 400', async () => {
    const bad = await h.fetch('/backend/action', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bad-template',
        class: httpClasses.processor,
        config: { connection: 'legacy', url: '/x', request: { body: { a: '{{ bdy.name }}' } } },
      }),
    });
    expect(bad.status).toBe(400);
    const json = (await bad.json()) as { message: string };
    expect(json.message).toContain('unknown name "bdy"');
  });
});
