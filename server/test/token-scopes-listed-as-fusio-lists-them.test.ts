import { Client } from 'fusio-sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

describe.each(databases)('token responses list every scope the token holds, as Fusio does ($kind)', (database) => {
  let h: Harness;
  let allScopes: string[];

  async function token(body: Record<string, string>) {
    const res = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: basic('admin', adminPassword), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...body }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; scope: string; refresh_token: string };
  }

  async function status(path: string, accessToken: string): Promise<number> {
    return (await h.fetch(path, { headers: { authorization: `Bearer ${accessToken}` } })).status;
  }

  /** what Fusio lists: each held scope and, after a parent, every existing scope below it */
  function expected(held: string[]): string[] {
    return held.flatMap((scope) =>
      scope.includes('.') ? [scope] : [scope, ...allScopes.filter((s) => s.startsWith(`${scope}.`)).sort()],
    );
  }

  beforeAll(async () => {
    h = await startHarness(database);
    const page = await h.admin.backend().scope().getAll(0, 1024);
    allScopes = (page.entry ?? []).map((s) => String(s.name));
  });
  afterAll(async () => {
    await h?.close();
  });

  it("names the administrator's sub-scopes, so Fusio's admin app finds backend.dashboard", async () => {
    const issued = await token({});
    const listed = issued.scope.split(',');
    expect(listed).toEqual(expect.arrayContaining(['backend', 'backend.dashboard', 'backend.operation', 'consumer']));
    expect(new Set(listed)).toEqual(new Set(expected(['authorization', 'backend', 'consumer', 'default'])));
    expect(listed.length).toBe(new Set(listed).size);
    // every listed backend scope is usable: the dashboard the admin app opens with answers
    expect(await status('/backend/dashboard', issued.access_token)).toBe(200);

    // the token itself stays compact: its JWT carries the granted parents only
    const claims = decodeJwt(issued.access_token);
    expect(String(claims.scope).split(' ').sort()).toEqual(['authorization', 'backend', 'consumer', 'default']);
    expect(issued.access_token.length).toBeLessThan(1500);
  });

  it('a refresh lists the same scopes again', async () => {
    const first = await token({ scope: 'backend' });
    const res = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: basic('admin', adminPassword), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe(first.scope);
  });

  it('lists no more than the token can do', async () => {
    const narrow = await token({ scope: 'backend.action' });
    expect(narrow.scope).toBe('backend.action');
    expect(await status('/backend/action', narrow.access_token)).toBe(200);
    expect(await status('/backend/operation', narrow.access_token)).toBe(403);
    expect(await status('/backend/dashboard', narrow.access_token)).toBe(403);

    const consumer = await token({ scope: 'consumer' });
    const listed = consumer.scope.split(',');
    expect(listed).toEqual(expected(['consumer']));
    expect(listed.some((s) => s.startsWith('backend'))).toBe(false);
    expect(await status('/backend/dashboard', consumer.access_token)).toBe(403);
    for (const scope of listed) expect(scope === 'consumer' || scope.startsWith('consumer.')).toBe(true);
  });

  it('a scope the admin adds below a parent is listed by the next token and is usable by it', async () => {
    const backend = h.admin.backend();
    await backend.scope().create({ name: 'reports', description: 'Reports' });
    await backend.scope().create({ name: 'reports.read', description: 'Read reports' });
    await backend.action().create({
      name: 'reports-list',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '[]' },
    });
    await backend.operation().create({
      name: 'reports.getAll',
      httpMethod: 'GET',
      httpPath: '/reports',
      action: 'reports-list',
      scopes: ['reports.read'],
    });
    const listedRole = (await backend.role().getAll(0, 100)).entry?.find((r) => r.name === 'Administrator');
    const role = await backend.role().get(String(listedRole?.id));
    expect(role.scopes).toContain('backend');
    await backend.role().update(String(role.id), {
      name: 'Administrator',
      categoryId: role.categoryId,
      scopes: [...(role.scopes ?? []), 'reports'],
    });
    const issued = await token({ scope: 'reports' });
    expect(issued.scope).toBe('reports,reports.read');
    expect(await status('/reports', issued.access_token)).toBe(200);
  });

  it("an app's token lists the same scopes in its response and in introspection", async () => {
    const app = (await h.admin
      .backend()
      .app()
      .create({ userId: 1, name: 'Lister', scopes: ['consumer'] })) as {
      appKey: string;
      appSecret: string;
    };
    const auth = basic(app.appKey, app.appSecret);
    const res = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const issued = (await res.json()) as { access_token: string; scope: string };
    expect(issued.scope.split(',')).toEqual(expected(['consumer']));
    const introspected = await h.fetch('/authorization/introspect', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: issued.access_token }),
    });
    const answer = (await introspected.json()) as { active: boolean; scope: string };
    expect(answer.active).toBe(true);
    expect(answer.scope.split(' ')).toEqual(expected(['consumer']));
  });

  it('a developer logging in through the fusio-sdk gets the comma-separated list', async () => {
    const consumerRole = (await h.admin.backend().role().getAll(0, 16, 'Consumer')).entry?.[0];
    await h.admin.backend().user().create({
      name: 'dana',
      email: 'dana@example.com',
      password: 'a-long-password-42',
      roleId: consumerRole?.id,
      status: 1,
    });
    const jwt = await Client.buildAnonymous(h.baseUrl)
      .consumer()
      .account()
      .login({ username: 'dana', password: 'a-long-password-42' });
    const listed = String(jwt.scope).split(',');
    expect(new Set(listed)).toEqual(new Set(expected(['authorization', 'consumer', 'default'])));
    expect(listed).toContain('consumer.app');
    expect(listed.some((s) => s.startsWith('backend'))).toBe(false);
    expect(await status('/backend/dashboard', String(jwt.token))).toBe(403);
    expect(await status('/consumer/app', String(jwt.token))).toBe(200);
  });
});
