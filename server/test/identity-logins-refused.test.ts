import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { adminEmail, freePort, type Harness, startHarness } from './support/harness.js';
import { fragmentToken, TestBrowser } from './support/identity-browser.js';
import {
  createIdentityWorld,
  type IdentityWorld,
  loginThroughPortal,
  portalCallback,
  portalUrl,
  walkToExchange,
} from './support/identity-world.js';

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe.runIf(sqlite)('identity logins that must not succeed', () => {
  let h: Harness;
  let world: IdentityWorld;

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    world = await createIdentityWorld(h);
  });
  afterAll(async () => {
    await world?.close();
    await h?.close();
  });

  const db = () => h.portico.platform.db;

  async function failure(res: Response | undefined, status: number) {
    expect(res?.status).toBe(status);
    const body = (await res?.json()) as { success: boolean; message: string };
    expect(body.success).toBe(false);
    return body.message;
  }

  async function accountFrom(callback: URL | undefined) {
    expect(callback?.origin).toBe(portalUrl);
    return bearerClient(h, fragmentToken(callback as URL).access_token as string)
      .consumer()
      .account()
      .get();
  }

  async function localUser(name: string, email: string): Promise<number> {
    const role = await db().selectFrom('roles').select('id').where('name', '=', 'Consumer').executeTakeFirstOrThrow();
    const created = await h.admin
      .backend()
      .user()
      .create({ roleId: role.id, status: 1, name, email, password: `${name}-password-long-enough` });
    return Number(created.id);
  }

  const usersWithRemoteId = async (remoteId: string) =>
    (await db().selectFrom('users').select('id').where('remote_id', '=', remoteId).execute()).length;

  it('a state works once, and only for a state Portico handed out', async () => {
    world.oidc.accounts.set('oidc-once', { email: 'once@example.com', email_verified: true });
    const { browser, exchange } = await walkToExchange(world, world.ids.openid, { account: 'oidc-once' });
    const first = await browser.request(exchange);
    expect(first.status).toBe(302);
    expect(new URL(first.headers.get('location') ?? '').origin).toBe(portalUrl);

    expect(await failure(await browser.request(exchange), 400)).toBe('Provided identity state was not requested');
    const forged = new URL(exchange);
    forged.searchParams.set('state', 'a-state-nobody-issued');
    expect(await failure(await browser.request(forged), 400)).toBe('Provided identity state was not requested');
    const noCode = new URL(exchange);
    noCode.searchParams.delete('code');
    expect(await failure(await browser.request(noCode), 400)).toBe('No code provided');
  });

  it('a login finishes only in the browser that started it, and expires after 10 minutes', async () => {
    world.oidc.accounts.set('oidc-victim', { email: 'victim@example.com', email_verified: true });
    // someone lures another browser to their callback URL (login CSRF): refused, and the state is burnt
    const started = await walkToExchange(world, world.ids.openid, { account: 'oidc-victim' });
    expect(await failure(await new TestBrowser().request(started.exchange), 400)).toMatch(/another browser/);
    expect(await failure(await started.browser.request(started.exchange), 400)).toBe(
      'Provided identity state was not requested',
    );

    const late = await walkToExchange(world, world.ids.openid, { account: 'oidc-victim' });
    await db()
      .updateTable('identity_requests')
      .set({ created_at: Date.now() - 11 * 60 * 1000 })
      .where('identity_id', '=', world.ids.openid)
      .execute();
    expect(await failure(await late.browser.request(late.exchange), 400)).toBe('Provided identity request is expired');
    expect(await usersWithRemoteId('oidc-victim')).toBe(0);
  });

  it('an ID token with another nonce is refused', async () => {
    world.oidc.accounts.set('oidc-replayed', { email: 'replayed@example.com', email_verified: true });
    const { browser, exchange } = await walkToExchange(world, world.ids.openid, {
      account: 'oidc-replayed',
      tamper: (url) => url.searchParams.set('nonce', 'nonce-of-another-login'),
    });
    const message = await failure(await browser.request(exchange), 400);
    expect(message).toMatch(/^Could not authenticate user: .*unexpected ID Token "nonce" claim value$/);
    expect(await usersWithRemoteId('oidc-replayed')).toBe(0);
  });

  it('an address the provider has not verified never links to an existing account', async () => {
    const linus = await localUser('linus', 'linus@example.com');
    world.oidc.accounts.set('oidc-impostor', { email: 'linus@example.com', email_verified: false, name: 'linus' });
    const viaOidc = await accountFrom(
      (await loginThroughPortal(world, world.ids.openid, { account: 'oidc-impostor' })).callback,
    );
    expect(viaOidc.id).not.toBe(linus);
    // a new account, without the address it could not prove, under a name of its own
    expect(viaOidc.email).toBeUndefined();
    expect(viaOidc.name).toBe('linus-2');

    world.github.users.set(1001, {
      id: 1001,
      login: 'not-linus',
      email: 'Linus@Example.com',
      emails: [{ email: 'linus@example.com', primary: true, verified: false }],
    });
    world.github.loginAs = 1001;
    const viaGithub = await accountFrom((await loginThroughPortal(world, world.ids.github)).callback);
    expect(viaGithub.id).not.toBe(linus);
    expect(viaGithub).toMatchObject({ name: 'not-linus' });
    expect(viaGithub.email).toBeUndefined();

    const links = await db().selectFrom('identity_links').select('id').where('user_id', '=', linus).execute();
    expect(links).toEqual([]);
    const row = await db().selectFrom('users').selectAll().where('id', '=', linus).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ identity_id: null, remote_id: null, email: 'linus@example.com' });
  });

  it('allowCreate=false refuses unknown users but lets a verified owner of an account in', async () => {
    world.oidc.accounts.set('oidc-stranger', { email: 'stranger@example.com', email_verified: true });
    const refused = await loginThroughPortal(world, world.ids.invite, { account: 'oidc-stranger' });
    expect(await failure(refused.response, 400)).toBe('Provided user is not available');
    expect(await usersWithRemoteId('oidc-stranger')).toBe(0);

    const margaret = await localUser('margaret', 'margaret@example.com');
    world.oidc.accounts.set('oidc-margaret', { email: 'margaret@example.com', email_verified: true });
    const linked = await loginThroughPortal(world, world.ids.invite, { account: 'oidc-margaret' });
    expect((await accountFrom(linked.callback)).id).toBe(margaret);
  });

  it('an account with backend access is never taken over by an email match', async () => {
    world.oidc.accounts.set('oidc-fake-admin', { email: adminEmail, email_verified: true });
    const outcome = await loginThroughPortal(world, world.ids.openid, { account: 'oidc-fake-admin' });
    expect(await failure(outcome.response, 400)).toBe(
      'An account with this email exists and must log in with its password',
    );
    expect(await usersWithRemoteId('oidc-fake-admin')).toBe(0);
  });

  it('the portal callback must be on the app URL, and unknown identities are 404', async () => {
    const count = async () => (await db().selectFrom('identity_requests').select('id').execute()).length;
    const before = await count();
    for (const uri of [
      'https://evil.example/callback',
      'https://portal.example.test/callback',
      'javascript:alert(1)',
    ]) {
      const res = await h.fetch(
        `/consumer/identity/${world.ids.openid}/redirect?redirect_uri=${encodeURIComponent(uri)}`,
        {
          redirect: 'manual',
        },
      );
      expect(await failure(res, 400)).toBe('Provided redirect url must have the same host as the configured app url');
    }
    expect(await count()).toBe(before);
    expect(await failure(await h.fetch('/consumer/identity/9999/redirect', { redirect: 'manual' }), 404)).toBe(
      'Could not find identity',
    );
    expect(await failure(await h.fetch('/consumer/identity/~nope/exchange?code=x&state=y'), 404)).toBe(
      'Could not find identity',
    );
    const ok = await h.fetch(`/consumer/identity/~openid/redirect?redirect_uri=${encodeURIComponent(portalCallback)}`, {
      redirect: 'manual',
    });
    expect(ok.status).toBe(302);
    const location = new URL(ok.headers.get('location') ?? '');
    expect(location.origin).toBe(world.oidc.issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('scope')).toBe('openid profile email');
    expect(location.searchParams.get('redirect_uri')).toBe(
      `${h.baseUrl}/consumer/identity/${world.ids.openid}/exchange`,
    );
    expect(ok.headers.get('set-cookie')).toMatch(
      new RegExp(
        `^portico_identity_\\w+=[\\w-]+; Path=/consumer/identity/${world.ids.openid}; Max-Age=600; HttpOnly; SameSite=Lax$`,
      ),
    );
  });

  it('a user who says no at the provider, or a bad code, is a 400 with the reason', async () => {
    const denied = await loginThroughPortal(world, world.ids.openid, { deny: true });
    expect(await failure(denied.response, 400)).toBe(
      'Could not authenticate user: access_denied - End-User aborted interaction',
    );
    world.github.loginAs = 'deny';
    const deniedAtGithub = await loginThroughPortal(world, world.ids.github);
    expect(await failure(deniedAtGithub.response, 400)).toBe(
      'Could not authenticate user: access_denied - The user has denied your application access.',
    );

    world.github.loginAs = 1001;
    const { browser, exchange } = await walkToExchange(world, world.ids.github);
    exchange.searchParams.set('code', 'a-code-github-never-issued');
    expect(await failure(await browser.request(exchange), 400)).toBe(
      'Could not authenticate user: bad_verification_code - The code passed is incorrect or expired.',
    );
  });

  it('a provider that cannot be reached is a 502, and Portico keeps serving', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const offline = await h.admin
      .backend()
      .identity()
      .create({
        appId: world.appId,
        name: 'offline-oidc',
        class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
        config: { client_id: 'x', client_secret: 'y', issuer: closed },
      });
    const res = await h.fetch(`/consumer/identity/${offline.id}/redirect`, { redirect: 'manual' });
    expect(await failure(res, 502)).toBe('The identity provider offline-oidc could not be reached, try again later');

    // GitHub's token endpoint is down when the browser comes back
    const githubOffline = await h.admin
      .backend()
      .identity()
      .create({
        appId: world.appId,
        name: 'github-offline',
        class: 'Fusio.Impl.Provider.Identity.Github',
        config: {
          client_id: world.github.clientId,
          client_secret: world.github.clientSecret,
          authorization_uri: `${world.github.url}/login/oauth/authorize`,
          token_uri: `${closed}/login/oauth/access_token`,
          user_info_uri: `${world.github.url}/user`,
        },
      });
    const { browser, exchange } = await walkToExchange(world, Number(githubOffline.id));
    expect(await failure(await browser.request(exchange), 502)).toBe(
      'The identity provider github-offline could not be reached, try again later',
    );
    expect((await h.fetch('/consumer/identity')).status).toBe(200);
  });
});
