import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { createProxy, httpClasses, send, TestUpstream, tokenEndpoint } from './support/http-upstream.js';

const databases = await systemDatabases();
const httpClass = 'Fusio.Adapter.Http.Connection.Http';

async function sdkError(promise: Promise<unknown>): Promise<{ message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(databases)('the HTTP connection is stored safely ($kind)', (database) => {
  let h: Harness;
  let upstream: TestUpstream;

  beforeAll(async () => {
    [h, upstream] = await Promise.all([startHarness(database), TestUpstream.start()]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), upstream?.close()]);
  });

  const connect = (name: string, config: Record<string, unknown>) =>
    h.admin.backend().connection().create({ name, class: httpClass, config });

  it('keeps secrets encrypted and masked, and lets the backend try a request through it', async () => {
    await connect('crm', {
      url: `${upstream.url}/crm`,
      auth: 'basic',
      username: 'portico',
      password: 'pw-very-secret',
      headers: { 'X-Client': 'portico' },
      timeout: 5,
    });
    const shown = await h.admin.backend().connection().get('~crm');
    expect(shown.config).toMatchObject({ url: `${upstream.url}/crm`, username: 'portico', password: '********' });
    const row = await h.portico.platform.db
      .selectFrom('connections')
      .select('config')
      .where('name', '=', 'crm')
      .executeTakeFirstOrThrow();
    expect(row.config).not.toContain('pw-very-secret');

    const result = await h.admin
      .backend()
      .connection()
      .http()
      .execute('crm', {
        method: 'POST',
        uri: '/echo?x=1',
        headers: { 'Content-Type': 'application/json', 'X-Foo': 'bar' },
        body: '{"a":1}',
      });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    const echoed = JSON.parse(result.body ?? '') as { method: string; url: string; headers: Record<string, string> };
    expect(echoed).toMatchObject({ method: 'POST', url: '/crm/echo?x=1', body: '{"a":1}' });
    expect(echoed.headers.authorization).toBe(`Basic ${Buffer.from('portico:pw-very-secret').toString('base64')}`);
    expect(echoed.headers['x-client']).toBe('portico');
    expect(echoed.headers['x-foo']).toBe('bar');

    // sending the mask back keeps the stored secret
    await h.admin
      .backend()
      .connection()
      .update('~crm', { name: 'crm', class: httpClass, config: { ...shown.config, timeout: 4 } });
    const again = await h.admin.backend().connection().http().execute('~crm', { method: 'GET', uri: '/echo' });
    const headers = (JSON.parse(again.body ?? '') as { headers: Record<string, string> }).headers;
    expect(headers.authorization).toBe(`Basic ${Buffer.from('portico:pw-very-secret').toString('base64')}`);

    expect((await sdkError(h.admin.backend().connection().http().execute('crm', { uri: '/x' }))).message).toBe(
      'Provided no HTTP method',
    );
    expect(
      (await sdkError(h.admin.backend().connection().http().execute('nope', { method: 'GET', uri: '/' }))).message,
    ).toBe('Could not find connection');

    const closed = await freePort();
    await connect('gone', { url: `http://127.0.0.1:${closed}` });
    const res = await h.fetch('/backend/connection/gone/http', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', uri: '/' }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^The upstream service is not reachable: .*ECONNREFUSED/,
    );
  });
});

// authentication and pooling do not depend on the system database
describe.each(databases.filter((d) => d.kind === 'sqlite'))('the HTTP connection authenticates ($kind)', (database) => {
  let h: Harness;
  let upstream: TestUpstream;

  beforeAll(async () => {
    [h, upstream] = await Promise.all([startHarness(database), TestUpstream.start()]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), upstream?.close()]);
  });

  const connect = (name: string, config: Record<string, unknown>) =>
    h.admin.backend().connection().create({ name, class: httpClass, config });
  const proxyTo = (connection: string, path: string) =>
    createProxy(h, {
      action: { name: `via-${connection}`, class: httpClasses.processor, config: { connection, url: '/echo' } },
      operation: { name: `via.${connection.replace(/-/g, '_')}`, httpMethod: 'GET', httpPath: path },
    });

  it('refuses incomplete authentication settings with a clear 400', async () => {
    const error = await sdkError(connect('half-oauth', { url: upstream.url, auth: 'oauth2', clientId: 'x' }));
    expect(error.message).toBe(
      'Connection test failed: OAuth2 client credentials need a token URL, a client id and a client secret',
    );
    const bearer = await sdkError(connect('no-token', { url: upstream.url, auth: 'bearer' }));
    expect(bearer.message).toBe('Connection test failed: Bearer authentication needs a token');
  });

  it('authenticates to the upstream with a bearer token or a fixed Authorization header (Fusio)', async () => {
    await connect('bearer-api', { url: upstream.url, auth: 'bearer', token: 'tok-123' });
    await connect('fusio-style', { url: upstream.url, authorization: 'Token abc' });
    await proxyTo('bearer-api', '/via-bearer');
    await proxyTo('fusio-style', '/via-fusio');
    const token = await h.adminToken();

    await send(`${h.baseUrl}/via-bearer`, { headers: { authorization: `Bearer ${token}` } });
    expect(upstream.last().headers.authorization).toBe('Bearer tok-123');
    await send(`${h.baseUrl}/via-fusio`, { headers: { authorization: `Bearer ${token}` } });
    expect(upstream.last().headers.authorization).toBe('Token abc');
  });

  it('fetches an OAuth2 token once, reuses it, and renews it once when the upstream answers 401', async () => {
    const oauth = tokenEndpoint('portico-client', 'client-secret');
    const rejected = new Set<string>();
    upstream.on('/oauth/token', oauth.handler);
    upstream.on('/secured/', (req, res) => {
      const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!oauth.issued.includes(bearer) || rejected.has(bearer)) {
        res.statusCode = 401;
        res.end('{"error":"invalid_token"}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: bearer }));
    });
    await connect('oauth-api', {
      url: `${upstream.url}/secured`,
      auth: 'oauth2',
      tokenUrl: `${upstream.url}/oauth/token`,
      clientId: 'portico-client',
      clientSecret: 'client-secret',
      scope: 'read write',
    });
    await proxyTo('oauth-api', '/via-oauth');

    const results = await Promise.all([1, 2, 3].map(() => send(`${h.baseUrl}/via-oauth`)));
    for (const res of results) expect(res.json()).toEqual({ token: 'token-1' });
    expect(await (await send(`${h.baseUrl}/via-oauth`)).json()).toEqual({ token: 'token-1' });
    // concurrent first calls waited for one token request
    expect(oauth.grants).toHaveLength(1);
    const grant = oauth.grants[0];
    expect(grant?.form.get('grant_type')).toBe('client_credentials');
    expect(grant?.form.get('scope')).toBe('read write');
    expect(grant?.authorization).toBe(`Basic ${Buffer.from('portico-client:client-secret').toString('base64')}`);

    // the upstream revokes the token: one 401, a new token, the same call succeeds
    rejected.add('token-1');
    const securedBefore = upstream.to('/secured/').length;
    const res = await send(`${h.baseUrl}/via-oauth`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ token: 'token-2' });
    expect(oauth.grants).toHaveLength(2);
    expect(upstream.to('/secured/').length - securedBefore).toBe(2);

    // when the fresh token is refused too, the 401 reaches the caller: no loop
    rejected.add('token-2');
    rejected.add('token-3');
    const refused = await send(`${h.baseUrl}/via-oauth`);
    expect(refused.status).toBe(401);
    expect(oauth.grants).toHaveLength(3);
  });

  it('renews an OAuth2 token shortly before it expires; a bad client secret is a clean 502', async () => {
    const oauth = tokenEndpoint('short-lived', 'secret', 1);
    upstream.on('/short/token', oauth.handler);
    await connect('short-oauth', {
      url: `${upstream.url}/short`,
      auth: 'oauth2',
      tokenUrl: `${upstream.url}/short/token`,
      clientId: 'short-lived',
      clientSecret: 'secret',
      clientAuth: 'body',
    });
    await proxyTo('short-oauth', '/via-short');
    await send(`${h.baseUrl}/via-short`);
    await send(`${h.baseUrl}/via-short`);
    expect(oauth.grants).toHaveLength(1);
    expect(oauth.grants[0]?.form.get('client_secret')).toBe('secret');
    await new Promise((r) => setTimeout(r, 950));
    await send(`${h.baseUrl}/via-short`);
    expect(oauth.grants).toHaveLength(2);
    expect(upstream.last().headers.authorization).toBe('Bearer token-2');

    await connect('wrong-secret', {
      url: `${upstream.url}/short`,
      auth: 'oauth2',
      tokenUrl: `${upstream.url}/short/token`,
      clientId: 'short-lived',
      clientSecret: 'not-the-secret',
    });
    await proxyTo('wrong-secret', '/via-wrong');
    const res = await send(`${h.baseUrl}/via-wrong`);
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({
      message: 'Could not get an access token for the upstream: the token endpoint answered 401 (invalid_client)',
    });
  });

  it('closes its connection pool when the connection changes and uses the new settings', async () => {
    await connect('changing', { url: upstream.url, headers: { 'X-Version': 'one' } });
    await proxyTo('changing', '/via-changing');
    await send(`${h.baseUrl}/via-changing`);
    expect(upstream.last().headers['x-version']).toBe('one');
    const closedBefore = upstream.closed;

    await h.admin
      .backend()
      .connection()
      .update('~changing', {
        name: 'changing',
        class: httpClass,
        config: { url: upstream.url, headers: { 'X-Version': 'two' } },
      });
    // the old pool's idle keep-alive socket is closed
    await eventually(() => upstream.closed > closedBefore);
    await send(`${h.baseUrl}/via-changing`);
    expect(upstream.last().headers['x-version']).toBe('two');
  });
});
