import { freePort, type Harness } from './harness.js';
import { TestBrowser } from './identity-browser.js';
import { type GithubStandIn, startGithubStandIn } from './identity-github.js';
import { type LocalOidcProvider, startOidcProvider } from './identity-oidc.js';

/** The developer portal: the identities' app URL, where logins end with the token in the fragment. */
export const portalUrl = 'http://portal.example.test';
export const portalCallback = `${portalUrl}/apps/developer/login/callback`;

export const oidcClient = { id: 'portico-oidc', secret: 'oidc-client-secret-0123456789' };
export const googleClient = { id: 'portico-google', secret: 'google-client-secret-0123456789' };

export interface IdentityWorld {
  readonly h: Harness;
  readonly appId: number;
  readonly oidc: LocalOidcProvider;
  readonly github: GithubStandIn;
  /** identity ids: generic OpenID Connect, Google's class on the local issuer, GitHub, and an OpenID Connect one with allowCreate=false */
  readonly ids: { openid: number; google: number; github: number; invite: number };
  close(): Promise<void>;
}

async function createIdentity(h: Harness, body: Record<string, unknown>): Promise<number> {
  const res = await h.admin.backend().identity().create(body);
  return Number(res.id);
}

/** A portal app, a local OpenID provider, a GitHub stand-in and identities for each, created through the SDK. */
export async function createIdentityWorld(h: Harness): Promise<IdentityWorld> {
  const db = h.portico.platform.db;
  const admin = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
  const app = await h.admin
    .backend()
    .app()
    .create({ userId: admin.id, status: 1, name: 'developer-portal', url: portalUrl, scopes: [] });
  const appId = Number(app.id);
  const oidcPort = await freePort();
  const issuer = `http://127.0.0.1:${oidcPort}`;
  const github = await startGithubStandIn();
  const openid = await createIdentity(h, {
    appId,
    name: 'openid',
    class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
    config: { client_id: oidcClient.id, client_secret: oidcClient.secret, issuer },
  });
  const google = await createIdentity(h, {
    appId,
    name: 'google',
    class: 'Fusio\\Impl\\Provider\\Identity\\Google',
    config: { client_id: googleClient.id, client_secret: googleClient.secret, issuer },
  });
  const githubId = await createIdentity(h, {
    appId,
    name: 'github',
    class: 'Fusio.Impl.Provider.Identity.Github',
    config: {
      client_id: github.clientId,
      client_secret: github.clientSecret,
      authorization_uri: `${github.url}/login/oauth/authorize`,
      token_uri: `${github.url}/login/oauth/access_token`,
      user_info_uri: `${github.url}/user`,
    },
  });
  const invite = await createIdentity(h, {
    appId,
    name: 'openid-invite',
    class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
    allowCreate: false,
    config: { client_id: oidcClient.id, client_secret: oidcClient.secret, issuer },
  });
  const exchange = (id: number) => `${h.baseUrl}/consumer/identity/${id}/exchange`;
  const oidc = await startOidcProvider(oidcPort, [
    { client_id: oidcClient.id, client_secret: oidcClient.secret, redirect_uris: [exchange(openid), exchange(invite)] },
    { client_id: googleClient.id, client_secret: googleClient.secret, redirect_uris: [exchange(google)] },
  ]);
  return {
    h,
    appId,
    oidc,
    github,
    ids: { openid, google, github: githubId, invite },
    async close() {
      await oidc.close();
      await github.close();
    },
  };
}

export interface LoginOutcome {
  readonly browser: TestBrowser;
  /** the portal callback the login ended at (token in the fragment), when it ended there */
  readonly callback?: URL;
  /** otherwise the last answer (an error, or the JSON token without redirect_uri) */
  readonly response?: Response;
}

/**
 * A developer clicks "log in with …" in the portal: Portico's redirect, the provider's login (as
 * `account`) and consent, Portico's exchange, back to the portal.
 */
export async function loginThroughPortal(
  world: IdentityWorld,
  identityId: number | string,
  options: { account?: string; redirectUri?: string | null; browser?: TestBrowser; deny?: boolean } = {},
): Promise<LoginOutcome> {
  const browser = options.browser ?? new TestBrowser();
  const redirectUri = options.redirectUri === undefined ? portalCallback : options.redirectUri;
  const start = new URL(`${world.h.baseUrl}/consumer/identity/${identityId}/redirect`);
  if (redirectUri !== null) start.searchParams.set('redirect_uri', redirectUri);
  const result = await browser.navigate(start, {
    login: options.account,
    deny: options.deny,
    stop: (url) => url.origin === portalUrl,
  });
  return 'stoppedAt' in result ? { browser, callback: result.stoppedAt } : { browser, response: result.response };
}

/** The same walk, stopped where the provider sends the browser back to Portico's exchange. */
export async function walkToExchange(
  world: IdentityWorld,
  identityId: number,
  options: { account?: string; browser?: TestBrowser; tamper?: (providerUrl: URL) => void } = {},
): Promise<{ browser: TestBrowser; exchange: URL }> {
  const browser = options.browser ?? new TestBrowser();
  const start = new URL(`${world.h.baseUrl}/consumer/identity/${identityId}/redirect`);
  start.searchParams.set('redirect_uri', portalCallback);
  const redirect = await browser.request(start);
  if (redirect.status !== 302) throw new Error(`redirect answered ${redirect.status}: ${await redirect.text()}`);
  const providerUrl = new URL(redirect.headers.get('location') ?? '');
  options.tamper?.(providerUrl);
  const result = await browser.navigate(providerUrl, {
    login: options.account,
    stop: (url) => url.pathname.endsWith('/exchange'),
  });
  if (!('stoppedAt' in result)) throw new Error(`login ended at ${result.url} with ${result.response.status}`);
  return { browser, exchange: result.stoppedAt };
}
