import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { consentThroughPortal, createOAuthWorld, type OAuthWorld } from './support/oauth-fixtures.js';

const databases = await systemDatabases();

/**
 * Portico is its own OAuth2 provider here: the connection `provider` calls this installation's `/todo`
 * (which needs the `todo` scope) with a token the administrator obtained once through the authorization
 * code flow, as a connection to a SaaS API would.
 */
describe.each(databases)('an HTTP connection authorizes with an OAuth2 authorization code ($kind)', (database) => {
  let h: Harness;
  let world: OAuthWorld;
  let client: { key: string; secret: string };
  const callbackPath = '/system/connection/provider/callback';

  const storedConfig = async () => {
    const row = await h.portico.platform.db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', 'provider')
      .executeTakeFirstOrThrow();
    return { raw: row.config ?? '', config: h.portico.platform.connections.configOf(row) };
  };
  const callTodo = () => h.fetch('/proxied-todo');

  beforeAll(async () => {
    h = await startHarness(database);
    world = await createOAuthWorld(h);
    const app = (await h.admin
      .backend()
      .app()
      .create({
        userId: world.daveId,
        name: 'Portico Connection',
        url: h.baseUrl,
        scopes: ['todo'],
        metadata: { redirect_uris: `${h.baseUrl}${callbackPath}` },
      })) as { appKey: string; appSecret: string };
    client = { key: app.appKey, secret: app.appSecret };
    await h.admin
      .backend()
      .connection()
      .create({
        name: 'provider',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: {
          url: h.baseUrl,
          auth: 'oauth2-code',
          authorizationUrl: `${h.baseUrl}/authorization/authorize`,
          tokenUrl: `${h.baseUrl}/authorization/token`,
          clientId: client.key,
          clientSecret: client.secret,
          scope: 'todo',
        },
      });
    await h.admin
      .backend()
      .action()
      .create({
        name: 'proxied-todo',
        class: 'Fusio.Adapter.Http.Action.HttpProcessor',
        config: { connection: 'provider', url: '/todo' },
      });
    await h.admin.backend().operation().create({
      name: 'proxied.todo',
      httpMethod: 'GET',
      httpPath: '/proxied-todo',
      action: 'proxied-todo',
      public: true,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('before the authorization, calls through the connection answer 503 saying why', async () => {
    const res = await callTodo();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toMatch(/not authorized yet/);
  });

  it('getRedirect gives the provider URL; the callback stores the tokens encrypted; calls carry the bearer token', async () => {
    const { redirectUri } = await h.admin.backend().connection().getRedirect('provider');
    const url = new URL(redirectUri ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(`${h.baseUrl}/authorization/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: client.key,
      redirect_uri: `${h.baseUrl}${callbackPath}`,
      scope: 'todo',
    });
    expect(url.searchParams.get('state')).toMatch(/^\d+\.\d+\.[\w-]+\.[\w-]+$/);
    // the admin app may name the connection by id too
    const id = (await h.admin.backend().connection().get('~provider')).id as number;
    expect((await h.admin.backend().connection().getRedirect(String(id))).redirectUri).toContain('state=');

    const { answer } = await consentThroughPortal(h, world.alice, url);
    const back = new URL(answer.redirectUri ?? '');
    expect(back.pathname).toBe(callbackPath);
    expect(back.searchParams.get('state')).toBe(url.searchParams.get('state'));

    const res = await fetch(back);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      message: 'Access token successfully obtained, you can now close this window',
    });

    const { raw, config } = await storedConfig();
    expect(typeof config.accessToken).toBe('string');
    expect(typeof config.refreshToken).toBe('string');
    expect(Number(config.tokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(raw).not.toContain(config.accessToken as string);
    expect(raw).not.toContain(config.refreshToken as string);
    const shown = await h.admin.backend().connection().get('~provider');
    expect(shown.config).toMatchObject({ accessToken: '********', refreshToken: '********' });

    const todo = await callTodo();
    expect(todo.status).toBe(200);
    expect(await todo.json()).toEqual([{ title: 'try OAuth2' }]);
  });

  it('an expired access token is renewed with the refresh token and stored before the call', async () => {
    const before = await storedConfig();
    // the administrator's form sends the secrets back masked: they keep their stored values
    await h.admin
      .backend()
      .connection()
      .update('~provider', {
        config: {
          ...(await h.admin.backend().connection().get('~provider')).config,
          tokenExpiresAt: String(Date.now() - 1000),
        },
      });
    const todo = await callTodo();
    expect(todo.status, await todo.clone().text()).toBe(200);
    const after = await storedConfig();
    expect(after.config.accessToken).not.toBe(before.config.accessToken);
    expect(Number(after.config.tokenExpiresAt)).toBeGreaterThan(Date.now());
    expect((await callTodo()).status).toBe(200);
  });

  it('an access token the upstream refuses (401) is renewed once and the call goes through', async () => {
    // a token the upstream does not know, good for another hour by the stored expiry
    await h.admin
      .backend()
      .connection()
      .update('~provider', {
        config: {
          ...(await h.admin.backend().connection().get('~provider')).config,
          accessToken: 'not-a-token-the-upstream-knows',
          tokenExpiresAt: String(Date.now() + 3_600_000),
        },
      });
    const todo = await callTodo();
    expect(todo.status, await todo.clone().text()).toBe(200);
    expect((await storedConfig()).config.accessToken).not.toBe('not-a-token-the-upstream-knows');
  });

  it('once the provider refuses the refresh token, calls answer 503 asking for a new authorization', async () => {
    const { config } = await storedConfig();
    // the provider revokes the pair (RFC 7009, the client authenticating): the refresh token dies with it
    const revoked = await h.fetch('/authorization/revoke', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.key}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: config.accessToken as string }),
    });
    expect(revoked.status).toBe(200);
    // revocations reach the gateway through a one-second poll
    await expect
      .poll(
        async () => (await h.fetch('/todo', { headers: { authorization: `Bearer ${config.accessToken}` } })).status,
        {
          timeout: 5000,
        },
      )
      .toBe(401);
    const todo = await callTodo();
    expect(todo.status).toBe(503);
    expect(((await todo.json()) as { message: string }).message).toMatch(/an administrator authorizes it again/);
  });

  it('the callback refuses a forged, foreign or missing state, a refused consent and a bad code, and stores nothing', async () => {
    const before = (await storedConfig()).raw;
    const { redirectUri } = await h.admin.backend().connection().getRedirect('provider');
    const state = new URL(redirectUri ?? '').searchParams.get('state') as string;
    const [id, expiry, nonce, signature] = state.split('.') as [string, string, string, string];
    const attempt = async (query: string) => {
      const res = await h.fetch(`${callbackPath}?${query}`);
      return { status: res.status, message: ((await res.json()) as { message: string }).message };
    };
    const invalid = { status: 400, message: 'The provided state is not valid' };
    expect(await attempt('code=abc')).toEqual(invalid);
    expect(await attempt(`code=abc&state=${id}.${Number(expiry) + 3_600_000}.${nonce}.${signature}`)).toEqual(invalid);
    expect(await attempt(`code=abc&state=${Number(id) + 1}.${expiry}.${nonce}.${signature}`)).toEqual(invalid);
    expect(await attempt(`code=abc&state=${id}.${expiry}.${nonce}.${signature.slice(1)}x`)).toEqual(invalid);
    expect(await attempt(`error=access_denied&state=${state}`)).toEqual({
      status: 400,
      message: 'The provider refused the authorization: access_denied',
    });
    const badCode = await attempt(`code=not-a-code&state=${state}`);
    expect(badCode.status).toBe(400);
    expect(badCode.message).toMatch(/Could not obtain an access token: the provider answered 400/);
    expect((await h.fetch('/system/connection/nobody/callback?code=a&state=b')).status).toBe(404);
    // through the SDK (it sends no query): refused, not a 500
    expect(await sdkError(h.anonymous().system().connection().callback('provider'))).toMatchObject({
      message: invalid.message,
    });
    expect((await storedConfig()).raw).toBe(before);
  });

  it('the connection describes itself as an SDK client (TypeAPI) without its credentials', async () => {
    const spec = await h.admin.backend().connection().sdk().get('provider');
    expect(spec).toEqual({
      baseUrl: h.baseUrl,
      security: {
        type: 'oauth2',
        authorizationUrl: `${h.baseUrl}/authorization/authorize`,
        tokenUrl: `${h.baseUrl}/authorization/token`,
        scopes: ['todo'],
      },
      operations: {},
      definitions: {},
    });
    expect(JSON.stringify(spec)).not.toContain(client.secret);
  });

  it('getRedirect is for connections that authorize with a code, and for administrators only', async () => {
    await h.admin
      .backend()
      .connection()
      .create({ name: 'plain', class: 'Fusio.Adapter.Http.Connection.Http', config: { url: h.baseUrl } });
    expect(await sdkError(h.admin.backend().connection().getRedirect('plain'))).toMatchObject({
      message: 'Provided connection does not support OAuth2',
    });
    expect(await sdkError(h.admin.backend().connection().getRedirect('missing'))).toMatchObject({
      message: 'Could not find connection',
    });
    const developer = h.client(world.alice.name, world.alice.password);
    const res = await h.fetch('/backend/connection/provider/redirect');
    expect(res.status).toBe(401);
    await expect(developer.backend().connection().getRedirect('provider')).rejects.toThrow();
  });
});
