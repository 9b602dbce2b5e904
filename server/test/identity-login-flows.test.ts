import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { fragmentToken } from './support/identity-browser.js';
import {
  createIdentityWorld,
  type IdentityWorld,
  loginThroughPortal,
  portalCallback,
  portalUrl,
} from './support/identity-world.js';

const databases = await systemDatabases();

describe.each(databases)(
  'developers log in with GitHub, Google and any OpenID Connect provider ($kind)',
  (database) => {
    let h: Harness;
    let world: IdentityWorld;

    beforeAll(async () => {
      h = await startHarness(database);
      world = await createIdentityWorld(h);
    });
    afterAll(async () => {
      await world?.close();
      await h?.close();
    });

    /** The account behind a token from the portal callback, read with the token itself. */
    async function accountOf(callback: URL | undefined) {
      expect(callback?.origin).toBe(portalUrl);
      expect(callback?.pathname).toBe(new URL(portalCallback).pathname);
      // the token travels in the fragment, never in the query string
      expect(callback?.search).toBe('');
      const token = fragmentToken(callback as URL);
      expect(token).toMatchObject({ token_type: 'bearer' });
      expect(Number(token.expires_in)).toBeGreaterThan(0);
      expect(token.refresh_token).toBeTruthy();
      const account = await bearerClient(h, token.access_token as string)
        .consumer()
        .account()
        .get();
      return { token, account };
    }

    it('lists the providers for the portal with their redirect URLs', async () => {
      const list = await h.anonymous().consumer().identity().getAll(world.appId);
      expect(list.totalResults).toBe(4);
      expect(list.entry?.map((e) => e.name)).toEqual(['github', 'google', 'openid', 'openid-invite']);
      expect(list.entry?.find((e) => e.name === 'github')).toEqual({
        id: world.ids.github,
        name: 'github',
        icon: 'bi-github',
        redirect: `${h.baseUrl}/consumer/identity/${world.ids.github}/redirect`,
      });
      expect(await sdkError(h.anonymous().consumer().identity().getAll(undefined, 'no-such-app'))).toMatchObject({
        success: false,
        message: 'Provided app key does not exist',
      });
      expect(
        (
          await h
            .anonymous()
            .consumer()
            .identity()
            .getAll(world.appId + 1000)
        ).totalResults,
      ).toBe(0);
    });

    it('creates an account on the first OpenID Connect login and recognises it later, even with a new email', async () => {
      world.oidc.accounts.set('oidc-ada', {
        email: `Ada.${database.kind}@Example.com`,
        email_verified: true,
        name: 'Ada Lovelace',
        preferred_username: 'ada',
      });
      const first = await loginThroughPortal(world, world.ids.openid, { account: 'oidc-ada' });
      const { token, account } = await accountOf(first.callback);
      expect(account).toMatchObject({ name: 'ada', email: `ada.${database.kind}@example.com`, status: 1 });
      expect(token.scope?.split(',')).toEqual(expect.arrayContaining(['consumer', 'authorization']));
      const row = await h.portico.platform.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', account.id as number)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ identity_id: world.ids.openid, remote_id: 'oidc-ada', password: null });
      const session = await h.portico.platform.db
        .selectFrom('tokens')
        .select(['name', 'category_id', 'app_id'])
        .where('user_id', '=', row.id)
        .executeTakeFirstOrThrow();
      expect(session).toMatchObject({ category_id: 3, app_id: null });
      expect(session.name).toMatch(/^Identity Provider openid by identity-test-browser \(/);
      // the browser cookie of the login is gone once it is finished
      expect([...first.browser.cookies('127.0.0.1').keys()].filter((c) => c.startsWith('portico_identity'))).toEqual(
        [],
      );

      // the user changes their address at the provider: still the same account, found by the subject
      world.oidc.accounts.set('oidc-ada', { ...world.oidc.accounts.get('oidc-ada'), email: 'ada@elsewhere.example' });
      const again = await loginThroughPortal(world, world.ids.openid, { account: 'oidc-ada', browser: first.browser });
      expect((await accountOf(again.callback)).account.id).toBe(account.id);

      // a refresh token from an identity login works like one from a password login
      const refreshed = await h.anonymous().consumer().account().refresh({ refresh_token: token.refresh_token });
      expect(refreshed.token).toBeTruthy();
    });

    it('links an existing account when Google vouches for the address, and its password keeps working', async () => {
      const role = await h.portico.platform.db
        .selectFrom('roles')
        .select('id')
        .where('name', '=', 'Consumer')
        .executeTakeFirstOrThrow();
      const password = 'grace-password-long-enough';
      const created = await h.admin
        .backend()
        .user()
        // stored with the capitals she typed; Google reports the address in lower case
        .create({ roleId: role.id, status: 1, name: 'grace', email: 'Grace@Example.com', password });
      world.oidc.accounts.set('google-grace', {
        email: 'grace@example.com',
        email_verified: true,
        name: 'Grace Hopper',
      });

      const outcome = await loginThroughPortal(world, '~google', { account: 'google-grace' });
      const { account } = await accountOf(outcome.callback);
      expect(account.id).toBe(Number(created.id));
      expect(account.name).toBe('grace');
      const link = await h.portico.platform.db
        .selectFrom('identity_links')
        .selectAll()
        .where('user_id', '=', account.id as number)
        .executeTakeFirstOrThrow();
      expect(link).toMatchObject({ identity_id: world.ids.google, remote_id: 'google-grace' });
      const login = await h.anonymous().consumer().account().login({ username: 'grace', password });
      expect(login.token).toBeTruthy();

      // next time the link is used, whatever the address is now
      world.oidc.accounts.set('google-grace', { email: 'grace@navy.example', email_verified: true, name: 'Grace' });
      const again = await loginThroughPortal(world, world.ids.google, { account: 'google-grace' });
      expect((await accountOf(again.callback)).account.id).toBe(account.id);
    });

    it('creates a GitHub user with the verified primary address from /user/emails', async () => {
      world.github.users.set(583231, {
        id: 583231,
        login: 'octocat',
        email: null,
        emails: [
          { email: 'octo-old@example.com', primary: false, verified: true },
          { email: 'octocat@example.com', primary: true, verified: true },
        ],
      });
      world.github.loginAs = 583231;
      // new users get the identity's role instead of role_default
      const role = await h.admin
        .backend()
        .role()
        .create({ name: 'Partner', scopes: ['authorization', 'consumer', 'default'] });
      await h.admin
        .backend()
        .identity()
        .update(String(world.ids.github), { roleId: Number(role.id) });
      const outcome = await loginThroughPortal(world, world.ids.github);
      const { account } = await accountOf(outcome.callback);
      expect(account).toMatchObject({ name: 'octocat', email: 'octocat@example.com' });
      const created = await h.portico.platform.db
        .selectFrom('users')
        .select(['role_id', 'identity_id', 'remote_id'])
        .where('id', '=', account.id as number)
        .executeTakeFirstOrThrow();
      expect(created).toEqual({ role_id: Number(role.id), identity_id: world.ids.github, remote_id: '583231' });
      // the code was redeemed with the client secret, the exchange URL and the PKCE verifier
      const tokenRequest = world.github.tokenRequests.at(-1);
      expect(tokenRequest?.get('client_secret')).toBe(world.github.clientSecret);
      expect(tokenRequest?.get('redirect_uri')).toBe(`${h.baseUrl}/consumer/identity/${world.ids.github}/exchange`);
      expect(tokenRequest?.get('code_verifier')).toMatch(/^[\w-]{43}$/);

      // without a portal callback the exchange answers with the token as JSON (ConsumerUserJWT)
      const direct = await loginThroughPortal(world, world.ids.github, { redirectUri: null });
      expect(direct.response?.status).toBe(200);
      const jwt = (await direct.response?.json()) as { token: string; expires_in: number; refresh_token: string };
      expect(jwt.refresh_token).toBeTruthy();
      const same = await bearerClient(h, jwt.token).consumer().account().get();
      expect(same.id).toBe(account.id);
    });
  },
);
