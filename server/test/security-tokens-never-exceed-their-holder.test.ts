import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { postForm, startSecondNode, statusWithToken } from './support/oauth-fixtures.js';

const databases = await systemDatabases();
const postgres = databases.find((d) => d.kind === 'postgres');

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(h: Harness, method: string, path: string, token: string | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await h.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A first-party login at /consumer/login, optionally asking for fewer scopes. */
async function login(h: Harness, username: string, password: string, scopes?: string[]) {
  const answer = await call(h, 'POST', '/consumer/login', null, { username, password, scopes });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as { token: string; refresh_token: string; scope: string };
}

function basic(id: string, secret: string) {
  return { id, secret };
}

async function roleId(h: Harness, name: string): Promise<number> {
  const row = await h.portico.platform.db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Polls until the node refuses the token on a backend call; how long that took (ms). */
async function millisUntilRefused(node: Harness, token: string, path: string, limitMs = 5000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await statusWithToken(node, path, token)) === 401) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Number.POSITIVE_INFINITY;
}

describe.each(databases)('a token never creates more than it holds ($kind)', (database) => {
  let h: Harness;
  let consumerRole: number;
  let adminRole: number;
  let n = 0;
  const unique = (prefix: string) => {
    n += 1;
    return `${prefix}${Date.now().toString(36)}${n}`;
  };

  /** an administrator of their own, so one test's demotion leaves the others alone */
  async function newAdmin() {
    const name = unique('adm');
    const password = `${name}-password`;
    const created = await h.admin
      .backend()
      .user()
      .create({ roleId: adminRole, name, email: `${name}@example.com`, password });
    return { id: Number(created.id), name, password };
  }

  beforeAll(async () => {
    h = await startHarness(database);
    consumerRole = await roleId(h, 'Consumer');
    adminRole = await roleId(h, 'Administrator');
    await h.admin.backend().scope().create({ name: 'servers', description: 'Read and start servers' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses an app with `backend` created by a token that holds only consumer.app (the escalation to administrator)', async () => {
    const admin = await newAdmin();
    const narrow = await login(h, admin.name, admin.password, ['consumer.app']);
    expect(narrow.scope).toBe('consumer.app');

    const escalation = await call(h, 'POST', '/consumer/app', narrow.token, {
      name: 'innocent-looking-app',
      url: 'https://attacker.example',
      scopes: ['backend'],
    });
    expect(escalation.status).toBe(403);
    expect(escalation.body.message).toMatch(/does not hold the scope backend/);
    expect(escalation.body).not.toHaveProperty('appSecret');
    const apps = await h.portico.platform.db.selectFrom('apps').select('id').where('user_id', '=', admin.id).execute();
    expect(apps).toHaveLength(0);

    // what the token holds it may pass on, and no more: not even the `authorization` scope it lacks
    const within = await call(h, 'POST', '/consumer/app', narrow.token, {
      name: 'app-within-its-token',
      url: 'https://ok.example',
      scopes: ['consumer.app'],
    });
    expect(within.status).toBe(201);
    const app = await call(h, 'GET', `/consumer/app/${within.body.id as string}`, narrow.token);
    expect(app.body.scopes).toEqual(['consumer.app']);

    // nor can it widen an existing app
    const widen = await call(h, 'PUT', `/consumer/app/${within.body.id as string}`, narrow.token, {
      scopes: ['consumer.app', 'backend.user'],
    });
    expect(widen.status).toBe(403);
    const after = await call(h, 'GET', `/consumer/app/${within.body.id as string}`, narrow.token);
    expect(after.body.scopes).toEqual(['consumer.app']);

    // the administrator's own full session still makes admin apps, as Fusio's admins do
    const full = await login(h, admin.name, admin.password);
    const adminApp = await call(h, 'POST', '/consumer/app', full.token, {
      name: 'admin-tooling',
      url: 'https://tools.example',
      scopes: ['backend'],
    });
    expect(adminApp.status).toBe(201);
    const token = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'client_credentials' },
      basic(adminApp.body.appKey as string, adminApp.body.appSecret as string),
    );
    expect(String(token.body.scope).split(',')).toContain('backend');
  });

  it('refuses a personal token broader than the consumer.token token that asks for it, and its renewal too', async () => {
    const admin = await newAdmin();
    const narrow = await login(h, admin.name, admin.password, ['consumer.token']);
    const expire = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const broad = await call(h, 'POST', '/consumer/token', narrow.token, {
      name: 'full',
      scopes: ['consumer'],
      expire,
    });
    expect(broad.status).toBe(403);
    const adminPat = await call(h, 'POST', '/consumer/token', narrow.token, {
      name: 'admin',
      scopes: ['backend'],
      expire,
    });
    expect(adminPat.status).toBe(403);
    const within = await call(h, 'POST', '/consumer/token', narrow.token, {
      name: 'tokens-only',
      scopes: ['consumer.token'],
      expire,
    });
    expect(within.status).toBe(201);
    expect(within.body.scope).toBe('consumer.token');

    // a broad personal token made with the full session cannot be renewed (and so read) by the narrow one
    const full = await login(h, admin.name, admin.password);
    const made = await call(h, 'POST', '/consumer/token', full.token, { name: 'wide', scopes: ['backend'], expire });
    expect(made.status).toBe(201);
    const list = await call(h, 'GET', '/consumer/token', full.token);
    const wide = (list.body.entry as { id: number; name: string }[]).find((t) => t.name === 'wide');
    const renewal = await call(h, 'PUT', `/consumer/token/${wide?.id}`, narrow.token, { name: 'mine now' });
    expect(renewal.status).toBe(403);
    expect(renewal.body).not.toHaveProperty('access_token');
    expect(await statusWithToken(h, '/backend/user', made.body.access_token as string)).toBe(200);
  });

  it('keeps a backend.user token from making or taking over an administrator, and backend.app and backend.role tokens from handing out backend', async () => {
    const admin = await newAdmin();
    const victim = await newAdmin();
    const userToken = (
      await postForm(
        h,
        '/authorization/token',
        { grant_type: 'client_credentials', scope: 'backend.user' },
        basic(admin.name, admin.password),
      )
    ).body.access_token as string;

    const makeAdmin = await call(h, 'POST', '/backend/user', userToken, {
      roleId: adminRole,
      name: unique('mallory'),
      email: `${unique('mallory')}@example.com`,
      password: 'mallory-password-1',
    });
    expect(makeAdmin.status).toBe(403);
    const giveBackend = await call(h, 'POST', '/backend/user', userToken, {
      roleId: consumerRole,
      name: unique('eve'),
      email: `${unique('eve')}@example.com`,
      password: 'eve-password-1234',
      scopes: ['backend'],
    });
    expect(giveBackend.status).toBe(403);
    // an administrator's email changed to the attacker's would let a password reset take the account
    const takeover = await call(h, 'PUT', `/backend/user/${victim.id}`, userToken, { email: 'attacker@example.com' });
    expect(takeover.status).toBe(403);
    const victimRow = await h.portico.platform.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', victim.id)
      .executeTakeFirstOrThrow();
    expect(victimRow.email).toBe(`${victim.name}@example.com`);
    // managing consumers is what the token is for
    const consumer = await call(h, 'POST', '/backend/user', userToken, {
      roleId: consumerRole,
      name: unique('carol'),
      email: `${unique('carol')}@example.com`,
      password: 'carol-password-1',
      scopes: ['servers'],
    });
    expect(consumer.status).toBe(201);

    const scoped = async (scope: string) =>
      (
        await postForm(
          h,
          '/authorization/token',
          { grant_type: 'client_credentials', scope },
          basic(admin.name, admin.password),
        )
      ).body.access_token as string;
    const appToken = await scoped('backend.app');
    const backendApp = await call(h, 'POST', '/backend/app', appToken, {
      userId: admin.id,
      name: 'sneaky-admin-app',
      url: 'https://x.example',
      scopes: ['backend'],
    });
    expect(backendApp.status).toBe(403);
    const apiApp = await call(h, 'POST', '/backend/app', appToken, {
      userId: Number(consumer.body.id),
      name: 'servers-app',
      url: 'https://servers.example',
      scopes: ['servers'],
    });
    expect(apiApp.status).toBe(201);

    const roleToken = await scoped('backend.role');
    const consumerScopes = (await call(h, 'GET', `/backend/role/${consumerRole}`, roleToken)).body.scopes as string[];
    const widenRole = await call(h, 'PUT', `/backend/role/${consumerRole}`, roleToken, {
      scopes: [...consumerScopes, 'backend'],
    });
    expect(widenRole.status).toBe(403);
    expect((await call(h, 'GET', `/backend/role/${consumerRole}`, roleToken)).body.scopes).toEqual(consumerScopes);
    const demoteAdmins = await call(h, 'PUT', `/backend/role/${adminRole}`, roleToken, { scopes: ['consumer'] });
    expect(demoteAdmins.status).toBe(403);
  });

  it('takes the backend away from a demoted administrator at once: old token, refresh and new logins', async () => {
    const admin = await newAdmin();
    const session = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'client_credentials' },
      basic(admin.name, admin.password),
    );
    const portal = await login(h, admin.name, admin.password);
    const accessToken = session.body.access_token as string;
    expect(await statusWithToken(h, '/backend/user', accessToken)).toBe(200);

    await h.admin.backend().user().update(String(admin.id), { roleId: consumerRole });

    expect(await statusWithToken(h, '/backend/user', accessToken)).toBe(401);
    expect(await statusWithToken(h, '/backend/user', portal.token)).toBe(401);
    const refreshed = await postForm(h, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: session.body.refresh_token as string,
    });
    // revoked with its access token; had it survived, it would not bring the backend back
    if (refreshed.status === 200) expect(String(refreshed.body.scope)).not.toMatch(/backend/);
    else expect(refreshed.body.error).toBe('invalid_grant');
    const again = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'client_credentials' },
      basic(admin.name, admin.password),
    );
    expect(again.status).toBe(200);
    expect(String(again.body.scope).split(',')).not.toContain('backend');
    expect(await statusWithToken(h, '/backend/user', again.body.access_token as string)).toBe(403);
  });

  it('re-checks current rights on refresh: a token issued before a cut comes back without the cut scope', async () => {
    const admin = await newAdmin();
    const session = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'client_credentials', scope: 'consumer,authorization' },
      basic(admin.name, admin.password),
    );
    expect(session.status).toBe(200);
    // the scope is taken away by changing the user's own scopes, which this token does not carry
    const db = h.portico.platform.db;
    const limited = await h.admin
      .backend()
      .role()
      .create({ name: unique('NoConsumer'), scopes: ['authorization'] });
    await db
      .updateTable('users')
      .set({ role_id: Number(limited.id) })
      .where('id', '=', admin.id)
      .execute();
    // changed behind the API's back: nothing revoked the token, so the refresh itself must re-check
    const refreshed = await postForm(h, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: session.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('authorization');

    const portal = await login(h, admin.name, admin.password);
    await db.updateTable('users').set({ role_id: consumerRole }).where('id', '=', admin.id).execute();
    const consumerRefresh = await call(h, 'PUT', '/consumer/login', null, { refresh_token: portal.refresh_token });
    expect(consumerRefresh.status).toBe(200);
    expect(String(consumerRefresh.body.scope).split(',').sort()).toEqual(['authorization']);
  });

  it("revokes an app's tokens that carry a scope an administrator took from the app, and keeps the others", async () => {
    const owner = await newAdmin();
    await h.admin
      .backend()
      .user()
      .update(String(owner.id), { scopes: ['servers'] });
    const app = (await h.admin
      .backend()
      .app()
      .create({
        userId: owner.id,
        name: unique('tools'),
        url: 'https://tools.example',
        scopes: ['servers', 'backend.user'],
      })) as { id: string; appKey: string; appSecret: string };
    const token = async (scope: string) =>
      (
        await postForm(
          h,
          '/authorization/token',
          { grant_type: 'client_credentials', scope },
          basic(app.appKey, app.appSecret),
        )
      ).body as Record<string, string>;
    const adminToken = await token('backend.user');
    const apiToken = await token('servers,authorization');
    expect(apiToken.scope).toBe('servers');
    expect(await statusWithToken(h, '/backend/user', adminToken.access_token as string)).toBe(200);

    await h.admin
      .backend()
      .app()
      .update(app.id, { scopes: ['servers'] });

    expect(await statusWithToken(h, '/backend/user', adminToken.access_token as string)).toBe(401);
    // still a valid token (403: whoami needs `authorization`, which this app never had), not a revoked one (401)
    expect(await statusWithToken(h, '/authorization/whoami', apiToken.access_token as string)).toBe(403);
    const fresh = await token('backend.user');
    expect(fresh.error).toBe('invalid_scope');
  });

  it('revokes the whole family when a refresh token of /consumer/login is used twice', async () => {
    const admin = await newAdmin();
    const first = await login(h, admin.name, admin.password);
    const second = await call(h, 'PUT', '/consumer/login', null, { refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    const current = second.body.token as string;
    expect(await statusWithToken(h, '/consumer/account', current)).toBe(200);
    const replay = await call(h, 'PUT', '/consumer/login', null, { refresh_token: first.refresh_token });
    expect(replay.status).toBe(400);
    expect(await statusWithToken(h, '/consumer/account', current)).toBe(401);
    const third = await call(h, 'PUT', '/consumer/login', null, { refresh_token: second.body.refresh_token });
    expect(third.status).toBe(400);
  });

  it('lets a consent grant no more than the session token it comes with', async () => {
    const owner = await newAdmin();
    const user = await newAdmin();
    await h.admin
      .backend()
      .user()
      .update(String(user.id), { scopes: ['servers'] });
    const app = (await h.admin
      .backend()
      .app()
      .create({
        userId: owner.id,
        name: unique('third-party'),
        url: 'https://third.example/callback',
        scopes: ['servers'],
      })) as { id: string; appKey: string };
    const narrow = await login(h, user.name, user.password, ['consumer.account']);
    const consent = await call(h, 'POST', '/consumer/authorize', narrow.token, {
      responseType: 'code',
      clientId: app.appKey,
      redirectUri: 'https://third.example/callback',
      scope: 'servers',
      state: 'xyz',
      allow: true,
    });
    expect(consent.status).toBe(200);
    expect(consent.body.type).toBe('invalid_scope');
    expect(consent.body).not.toHaveProperty('code');

    const full = await login(h, user.name, user.password);
    const granted = await call(h, 'POST', '/consumer/authorize', full.token, {
      responseType: 'code',
      clientId: app.appKey,
      redirectUri: 'https://third.example/callback',
      scope: 'servers',
      state: 'xyz',
      allow: true,
    });
    expect(granted.body.type).toBe('code');
  });
});

describe.skipIf(!postgres)('a demotion reaches every node', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    a = await startHarness(postgres as NonNullable<typeof postgres>);
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('refuses a demoted administrator’s token on another node within a second', async () => {
    const db = a.portico.platform.db;
    const consumer = await db.selectFrom('roles').select('id').where('name', '=', 'Consumer').executeTakeFirstOrThrow();
    const administrator = await db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Administrator')
      .executeTakeFirstOrThrow();
    const created = await a.admin
      .backend()
      .user()
      .create({ roleId: administrator.id, name: 'ops-lead', email: 'ops@example.com', password: 'ops-lead-password' });
    const session = await postForm(
      a,
      '/authorization/token',
      { grant_type: 'client_credentials' },
      { id: 'ops-lead', secret: 'ops-lead-password' },
    );
    const token = session.body.access_token as string;
    // node B has verified and cached the token
    expect(await statusWithToken(b, '/backend/user', token)).toBe(200);
    await a.admin.backend().user().update(String(created.id), { roleId: consumer.id });
    expect(await millisUntilRefused(b, token, '/backend/user')).toBeLessThan(1000);
  });
});
