import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

describe.each(databases)('logging in at /authorization/token and using tokens ($kind)', (database) => {
  let h: Harness;

  async function token(authorization: string | null, body: Record<string, string>) {
    const res = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string | number>, headers: res.headers };
  }

  async function whoami(accessToken: string) {
    return h.fetch('/authorization/whoami', { headers: { authorization: `Bearer ${accessToken}` } });
  }

  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('takes the user name or the email with the password; JSON bodies too', async () => {
    const byName = await token(basic('admin', adminPassword), { grant_type: 'client_credentials' });
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ token_type: 'bearer', expires_in: 172800 });
    // the parents the token holds, each followed by the sub-scopes it covers (as Fusio lists them)
    const listed = String(byName.body.scope).split(',');
    expect(listed.filter((s) => !s.includes('.')).sort()).toEqual(['authorization', 'backend', 'consumer', 'default']);
    expect(listed).toEqual(expect.arrayContaining(['backend.dashboard', 'backend.user', 'consumer.app']));
    expect(byName.headers.get('cache-control')).toBe('no-store');

    const byEmail = await token(basic('admin@example.com', adminPassword), { grant_type: 'client_credentials' });
    expect(byEmail.status).toBe(200);

    const json = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: basic('admin', adminPassword), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', scope: 'backend' }),
    });
    expect(json.status).toBe(200);
    const backendOnly = ((await json.json()) as { scope: string }).scope.split(',');
    expect(backendOnly[0]).toBe('backend');
    expect(backendOnly.slice(1).every((s) => s.startsWith('backend.'))).toBe(true);
  });

  it('accepts a token seen before only when it is the same token: a forged one sharing its signature is refused', async () => {
    const issued = await token(basic('admin', adminPassword), { grant_type: 'client_credentials' });
    const accessToken = String(issued.body.access_token);
    // seen once: verified tokens are cached from here on
    expect((await whoami(accessToken)).status).toBe(200);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: '999', name: 'mallory' })).toString('base64url');
    const forged = `${header}.${forgedPayload}.${signature}`;
    expect(forged.slice(-40)).toBe(accessToken.slice(-40));
    for (let i = 0; i < 2; i++) expect((await whoami(forged)).status).toBe(401);
    // and the genuine token still works afterwards
    expect((await whoami(accessToken)).status).toBe(200);
  });

  it('narrows scopes to what was asked and the user holds, comma- or space-separated', async () => {
    const comma = await token(basic('admin', adminPassword), {
      grant_type: 'client_credentials',
      scope: 'backend.user,nope',
    });
    expect(comma.body.scope).toBe('backend.user');
    const space = await token(basic('admin', adminPassword), {
      grant_type: 'client_credentials',
      scope: 'consumer default',
    });
    const spaced = String(space.body.scope).split(',');
    expect(spaced.filter((s) => !s.includes('.'))).toEqual(['consumer', 'default']);
    expect(spaced.filter((s) => s.includes('.')).every((s) => s.startsWith('consumer.'))).toBe(true);
    const none = await token(basic('admin', adminPassword), { grant_type: 'client_credentials', scope: 'nope' });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'invalid_scope' });

    // a token narrowed to backend.user may list users but not operations
    const narrow = String(comma.body.access_token);
    expect((await h.fetch('/backend/user', { headers: { authorization: `Bearer ${narrow}` } })).status).toBe(200);
    expect((await h.fetch('/backend/operation', { headers: { authorization: `Bearer ${narrow}` } })).status).toBe(403);
  });

  it('refuses bad logins in RFC 6749 form', async () => {
    const wrong = await token(basic('admin', 'wrong-password'), { grant_type: 'client_credentials' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: 'Unknown credentials' });
    const unknownUser = await token(basic('nobody', 'whatever-password'), { grant_type: 'client_credentials' });
    expect(unknownUser.status).toBe(401);
    const noCredentials = await token(null, { grant_type: 'client_credentials' });
    expect(noCredentials.status).toBe(400);
    expect(noCredentials.body.error).toBe('invalid_request');
    const unknownGrant = await token(basic('admin', adminPassword), { grant_type: 'magic' });
    expect(unknownGrant.status).toBe(400);
    expect(unknownGrant.body.error).toBe('unsupported_grant_type');
    const noGrant = await token(basic('admin', adminPassword), {});
    expect(noGrant.status).toBe(400);
  });

  it('trades a refresh token for a new pair once; the old pair stops working', async () => {
    const first = await token(basic('admin', adminPassword), { grant_type: 'client_credentials' });
    const refreshed = await token(null, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    expect(refreshed.body.scope).toBe(first.body.scope);
    expect((await whoami(String(refreshed.body.access_token))).status).toBe(200);
    expect((await whoami(String(first.body.access_token))).status).toBe(401);

    const again = await token(null, { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    const bogus = await token(null, { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' });
    expect(bogus.status).toBe(400);
  });

  it('revokes the calling token through the SDK', async () => {
    const issued = await token(basic('admin', adminPassword), { grant_type: 'client_credentials' });
    const accessToken = String(issued.body.access_token);
    expect((await whoami(accessToken)).status).toBe(200);
    const revoked = await h.fetch('/authorization/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(revoked.status).toBe(200);
    const res = await whoami(accessToken);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toContain('revoked');
  });

  it('stops the tokens of a disabled user and of a deleted app at once', async () => {
    const admin = h.admin.backend();
    const roles = await admin.role().getAll(0, 16, 'Consumer');
    const roleId = roles.entry?.find((r) => r.name === 'Consumer')?.id;
    const created = await admin.user().create({
      roleId,
      name: 'jane',
      email: 'jane@example.com',
      password: 'jane-password-1',
      status: 1,
    });
    const userId = String(created.id);
    const userToken = await token(basic('jane', 'jane-password-1'), { grant_type: 'client_credentials' });
    expect((await whoami(String(userToken.body.access_token))).status).toBe(200);

    const app = (await admin.app().create({ userId: Number(userId), name: 'Jane app', scopes: ['consumer'] })) as {
      id: string;
      appKey: string;
      appSecret: string;
    };
    const appToken = await token(basic(app.appKey, app.appSecret), { grant_type: 'client_credentials' });
    expect(appToken.status).toBe(200);
    expect(String(appToken.body.scope).split(',')).toEqual(expect.arrayContaining(['consumer', 'consumer.app']));
    expect(
      String(appToken.body.scope)
        .split(',')
        .every((s) => s.startsWith('consumer')),
    ).toBe(true);
    const wrongSecret = await token(
      basic(app.appKey, `${app.appSecret.slice(0, -1)}${app.appSecret.endsWith('0') ? '1' : '0'}`),
      {
        grant_type: 'client_credentials',
      },
    );
    expect(wrongSecret.status).toBe(401);

    await admin.app().delete(app.id);
    expect((await whoami(String(appToken.body.access_token))).status).toBe(401);
    expect((await token(basic(app.appKey, app.appSecret), { grant_type: 'client_credentials' })).status).toBe(401);

    await admin.user().update(userId, { status: 2 });
    expect((await whoami(String(userToken.body.access_token))).status).toBe(401);
    expect((await token(basic('jane', 'jane-password-1'), { grant_type: 'client_credentials' })).status).toBe(401);
  });
});
