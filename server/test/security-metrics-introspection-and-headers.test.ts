import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { postForm } from './support/oauth-fixtures.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite') as NonNullable<
  Awaited<ReturnType<typeof systemDatabases>>[number]
>;

interface App {
  id: string;
  appKey: string;
  appSecret: string;
}

describe('what strangers and other clients can learn', () => {
  let h: Harness;
  let consumerToken: string;
  let first: App;
  let second: App;
  let resourceServer: App;

  const appToken = async (app: App) =>
    (
      await postForm(
        h,
        '/authorization/token',
        { grant_type: 'client_credentials' },
        { id: app.appKey, secret: app.appSecret },
      )
    ).body.access_token as string;
  const introspect = (by: App, token: string) =>
    postForm(h, '/authorization/introspect', { token }, { id: by.appKey, secret: by.appSecret });

  beforeAll(async () => {
    h = await startHarness(sqlite);
    const db = h.portico.platform.db;
    const role = await db.selectFrom('roles').select('id').where('name', '=', 'Consumer').executeTakeFirstOrThrow();
    const owner = await h.admin
      .backend()
      .user()
      .create({ roleId: role.id, name: 'owner', email: 'owner@example.com', password: 'owner-password-1' });
    const app = async (name: string, scopes: string[]) =>
      (await h.admin
        .backend()
        .app()
        .create({ userId: Number(owner.id), name, url: 'https://apps.example', scopes })) as App;
    first = await app('first-app', ['consumer']);
    second = await app('second-app', ['consumer']);
    resourceServer = await app('resource-server', ['consumer', 'introspect']);
    consumerToken = (
      await postForm(
        h,
        '/authorization/token',
        { grant_type: 'client_credentials' },
        { id: 'owner', secret: 'owner-password-1' },
      )
    ).body.access_token as string;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps /metrics (every operation by name) from anyone without a token for it', async () => {
    const anonymous = await h.fetch('/metrics');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('portico_requests_total');
    expect((await h.fetch('/metrics', { headers: { authorization: `Bearer ${consumerToken}` } })).status).toBe(403);
    const admin = await h.fetch('/metrics', { headers: { authorization: `Bearer ${await h.adminToken()}` } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('portico_requests_total');
  });

  it("answers introspection only for the client's own tokens, unless the client may introspect", async () => {
    const token = await appToken(first);
    expect((await introspect(first, token)).body).toMatchObject({ active: true, client_id: first.appKey });
    // another app learns nothing, not even that the token exists
    expect((await introspect(second, token)).body).toEqual({ active: false });
    expect((await introspect(resourceServer, token)).body).toMatchObject({ active: true, client_id: first.appKey });
  });

  it('tells browsers never to sniff a response into something else', async () => {
    for (const [path, status] of [
      ['/system/health', 200],
      ['/no-such-path', 404],
      ['/backend/user', 401],
    ] as const) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('METRICS_PUBLIC opens /metrics when the operator says so', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(sqlite, { METRICS_PUBLIC: 'true' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves metrics without a token', async () => {
    expect((await h.fetch('/metrics')).status).toBe(200);
  });
});
