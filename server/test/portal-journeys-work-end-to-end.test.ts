import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, signUp } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { fragmentToken, TestBrowser } from './support/identity-browser.js';
import { type GithubStandIn, startGithubStandIn } from './support/identity-github.js';
import { jsonRequest, loggedInDeveloper, setConfig } from './support/portal-helpers.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

// the journeys do not depend on the system database: SQLite is enough here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

describe.skipIf(!sqlite)('the journeys of the developer portal Portico serves itself work on a default install', () => {
  let h: Harness;
  let inbox: SmtpInbox;
  let github: GithubStandIn;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    github = await startGithubStandIn();
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { MAILER_URL: inbox.mailerUrl });
  });
  afterAll(async () => {
    await h?.close();
    await github?.close();
    await inbox?.close();
  });

  const portalCallback = () => `${h.baseUrl}/apps/developer/login/callback`;
  const developerApp = async () => {
    const apps = await h.admin.backend().app().getAll(0, 16, 'Developer');
    const app = apps.entry?.find((a) => a.name === 'Developer');
    if (!app?.id) throw new Error('no Developer app');
    return app;
  };
  const githubIdentity = async (name: string, appId: number) => {
    const created = await h.admin
      .backend()
      .identity()
      .create({
        appId,
        name,
        class: 'Fusio.Impl.Provider.Identity.Github',
        config: {
          client_id: github.clientId,
          client_secret: github.clientSecret,
          authorization_uri: `${github.url}/login/oauth/authorize`,
          token_uri: `${github.url}/login/oauth/access_token`,
          user_info_uri: `${github.url}/user`,
        },
      } as never);
    return Number(created.id);
  };

  it('sends the consent step to the portal with every parameter of the authorization request', async () => {
    const dev = await loggedInDeveloper(h, 'consent');
    const app = (await dev.client
      .consumer()
      .app()
      .create({ name: 'Consent Client', url: 'https://client.example.test/callback', scopes: ['consumer.app'] })) as {
      appKey: string;
    };
    const query = {
      response_type: 'code',
      client_id: app.appKey,
      redirect_uri: 'https://client.example.test/callback',
      scope: 'consumer.app openid',
      state: 'st-ä/&=?#x',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      nonce: 'n-0S6_WzA2Mj',
    };
    const res = await h.fetch(`/authorization/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const consent = new URL(res.headers.get('location') as string);
    expect(`${consent.origin}${consent.pathname}`).toBe(`${h.baseUrl}/apps/developer/authorize`);
    expect(Object.fromEntries(consent.searchParams)).toEqual(query);
  });

  it('has a Developer app for the portal, so an identity made for it logs developers in at the portal', async () => {
    const app = await developerApp();
    expect(app.url).toBe(`${h.baseUrl}/apps/developer`);
    expect(app.scopes ?? []).toEqual([]);
    const identity = await githubIdentity('github', Number(app.id));
    github.users.set(4242, {
      id: 4242,
      login: 'portal-octo',
      email: 'portal-octo@example.com',
      emails: [{ email: 'portal-octo@example.com', primary: true, verified: true }],
    });
    github.loginAs = 4242;

    const listed = await h.anonymous().consumer().identity().getAll();
    const entry = listed.entry?.find((e) => e.id === identity);
    expect(entry?.redirect).toBe(`${h.baseUrl}/consumer/identity/${identity}/redirect`);
    const start = new URL(entry?.redirect as string);
    start.searchParams.set('redirect_uri', portalCallback());
    const result = await new TestBrowser().navigate(start, {
      stop: (url) => url.pathname === '/apps/developer/login/callback',
    });
    expect('stoppedAt' in result).toBe(true);
    const callback = (result as { stoppedAt: URL }).stoppedAt;
    expect(`${callback.origin}${callback.pathname}`).toBe(portalCallback());
    const token = fragmentToken(callback);
    const account = await bearerClient(h, token.access_token as string)
      .consumer()
      .account()
      .get();
    expect(account.name).toBe('portal-octo');
  });

  it('accepts the portal Portico serves for any identity, and refuses every other place a token could leak to', async () => {
    const elsewhere = await h.admin
      .backend()
      .app()
      .create({ userId: 1, name: 'Company Site', url: 'https://www.company.example', scopes: [] } as never);
    const identity = await githubIdentity('github-company', Number(elsewhere.id));
    const redirect = (redirectUri: string) =>
      h.fetch(`/consumer/identity/${identity}/redirect?redirect_uri=${encodeURIComponent(redirectUri)}`, {
        redirect: 'manual',
      });
    for (const accepted of [
      portalCallback(),
      `${h.baseUrl}/apps/account/login/callback`,
      'https://www.company.example/login/callback',
    ]) {
      const res = await redirect(accepted);
      expect([accepted, res.status]).toEqual([accepted, 302]);
      expect(res.headers.get('location')).toMatch(new RegExp(`^${github.url}/login/oauth/authorize\\?`));
    }
    const port = new URL(h.baseUrl).port;
    for (const refused of [
      `${h.baseUrl}/consumer/account`,
      `${h.baseUrl}/apps/../consumer/account`,
      `${h.baseUrl}/apps%2f..%2fconsumer`,
      `${h.baseUrl}/appsx/developer/login/callback`,
      `http://localhost:${port}/apps/developer/login/callback`,
      `http://user:pw@127.0.0.1:${port}/apps/developer/login/callback`,
      'https://evil.example/apps/developer/login/callback',
      'javascript:alert(1)//127.0.0.1/apps/',
      'https://www.company.example.evil.test/login/callback',
    ]) {
      const res = await redirect(refused);
      expect([refused, res.status]).toEqual([refused, 400]);
      expect(((await res.json()) as { message: string }).message).toMatch(/same host/);
    }
  });

  it('mails links to the portal routes for activation and password reset', async () => {
    const dev = await signUp(h, inbox, 'mails');
    const activation = inbox.mails.find((m) => m.to.includes(dev.email) && m.text.includes('/register/activate/'));
    expect(activation?.text).toMatch(new RegExp(`${h.baseUrl}/apps/developer/register/activate/[A-Za-z0-9_-]+`));
    await h.anonymous().consumer().account().requestPasswordReset({ email: dev.email });
    const reset = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/password/confirm/'));
    expect(reset.text).toMatch(new RegExp(`${h.baseUrl}/apps/developer/password/confirm/[A-Za-z0-9_-]+`));
  });

  it('shows a webhook’s signing secret once and its deliveries on every read', async () => {
    const dev = await loggedInDeveloper(h, 'hooks');
    await h.admin.backend().event().create({ name: 'portal.order.created', description: 'An order was placed' });
    // nothing is delivered here: a local endpoint is enough
    await setConfig(h, 'webhook_allow_private', true);
    const created = (await dev.client
      .consumer()
      .webhook()
      .create({ event: 'portal.order.created', name: 'orders', endpoint: 'http://127.0.0.1:9/orders' })) as {
      id: string;
      secret: string;
    };
    expect(created.secret).toMatch(/^whsec_/);
    const read = await dev.client.consumer().webhook().get(created.id);
    expect(read).toMatchObject({ event: 'portal.order.created', name: 'orders', responses: [] });
    const listed = await dev.client.consumer().webhook().getAll();
    expect(JSON.stringify([read, listed])).not.toContain(created.secret.slice(6));
    // another developer cannot read it
    const other = await loggedInDeveloper(h, 'hooks');
    expect((await jsonRequest(h, 'GET', `/consumer/webhook/${created.id}`, other.token)).status).toBe(404);
  });

  it('describes every scope a developer can give an app, for the app form', async () => {
    const dev = await loggedInDeveloper(h, 'scopes');
    const scopes = await dev.client.consumer().scope().getAll(0, 1024);
    expect(scopes.entry?.length).toBeGreaterThan(5);
    for (const scope of scopes.entry ?? []) expect([scope.name, scope.description]).not.toContainEqual('');
    expect(scopes.entry?.find((s) => s.name === 'consumer.app')?.description).toMatch(/apps/);
    const categories = await dev.client.consumer().scope().getCategories();
    for (const category of categories.categories ?? []) {
      for (const scope of category.scopes ?? []) expect(scope.description, scope.name).toBeTruthy();
    }
  });
});
