import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { digest, newOpaqueToken, safeEqual } from '../auth/secrets.js';
import { insertWithId } from '../db/insert.js';
import { AppStatus, type UserRow, UserStatus } from '../db/schema.js';
import { badRequest, PorticoError } from '../errors.js';
import { exchangeUrl } from './identities.js';
import {
  type IdentityProviderType,
  type ProviderCallOptions,
  ProviderRejected,
  ProviderUnavailable,
  type RemoteUser,
} from './provider.js';
import { identityProviders } from './registry.js';
import { type AccountEnv, linkOrCreateUser } from './remote-users.js';
import type { IdentityRepository } from './repository.js';
import type { IdentityRow } from './tables.js';

/** What a login through an identity provider uses (a Platform has it; the flow needs no more). */
export interface LoginEnv extends AccountEnv {
  readonly logger: Logger;
  readonly config: { readonly publicUrl: string };
  readonly identities: Pick<IdentityRepository, 'config'>;
}

/** How long a started login may take at the provider; its state works once within this time. */
export const loginRequestLifetimeMs = 10 * 60 * 1000;
const callOptions: ProviderCallOptions = { timeoutMs: 10_000 };

type Query = Readonly<Record<string, string | string[] | undefined>>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined || last === '' ? undefined : last;
}

function providerOf(identity: IdentityRow): IdentityProviderType {
  const type = identityProviders.get(identity.class);
  if (!type) throw badRequest('Provided an invalid identity class');
  return type;
}

function configOf(env: LoginEnv, identity: IdentityRow): Record<string, unknown> {
  try {
    return env.identities.config(identity);
  } catch (error) {
    env.logger.error({ err: error, identity: identity.id }, 'identity config cannot be decrypted');
    throw new PorticoError('SERVICE_UNAVAILABLE', 'The identity provider is not configured correctly');
  }
}

/** Runs a provider call and turns its failure into Fusio's error body: 400 for a refusal, 502 when unreachable. */
async function callProvider<T>(env: LoginEnv, identity: IdentityRow, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ProviderRejected) throw badRequest(`Could not authenticate user: ${error.message}`);
    const detail = error instanceof Error ? error.message : String(error);
    env.logger.warn({ identity: identity.name, reason: detail }, 'identity provider unavailable');
    if (error instanceof ProviderUnavailable || !(error instanceof PorticoError)) {
      throw new PorticoError(
        'BAD_GATEWAY',
        `The identity provider ${identity.name} could not be reached, try again later`,
      );
    }
    throw error;
  }
}

/** True for a page of the web apps Portico serves itself (`<PUBLIC_URL>/apps/...`). */
function isOwnWebApp(env: LoginEnv, target: URL): boolean {
  const base = new URL(env.config.publicUrl);
  const apps = `${base.pathname.replace(/\/+$/, '')}/apps/`;
  // URL parsing has already resolved dot segments, so /apps/../consumer cannot pass as /apps/
  return target.origin === base.origin && target.pathname.startsWith(apps);
}

/**
 * The developer portal's callback must be on the identity's app URL (scheme, host and port), as in Fusio,
 * or be a page of the portal Portico serves itself, whatever app the identity belongs to.
 */
async function assertPortalRedirect(env: LoginEnv, identity: IdentityRow, redirectUri: string | undefined) {
  const app = await env.db
    .selectFrom('apps')
    .select(['id', 'url'])
    .where('id', '=', identity.app_id)
    .where('status', '!=', AppStatus.deleted)
    .executeTakeFirst();
  if (!app) throw new PorticoError('INTERNAL', 'Configured identity is not assigned to an app');
  if (redirectUri === undefined) return;
  const sameHost = badRequest('Provided redirect url must have the same host as the configured app url');
  const parse = (url: string) => {
    try {
      return new URL(url);
    } catch {
      throw sameHost;
    }
  };
  const target = parse(redirectUri);
  if (redirectUri.length > 2000 || !['https:', 'http:'].includes(target.protocol)) throw sameHost;
  if (target.username !== '' || target.password !== '') throw sameHost;
  if (isOwnWebApp(env, target)) return;
  if (target.origin !== parse(app.url).origin) throw sameHost;
}

function cookieName(state: string): string {
  return `portico_identity_${digest(state).slice(0, 16)}`;
}

function cookiePath(env: LoginEnv, identityId: number): string {
  return `${new URL(env.config.publicUrl).pathname.replace(/\/+$/, '')}/consumer/identity/${identityId}`;
}

function cookie(env: LoginEnv, identityId: number, name: string, value: string, maxAge: number): string {
  const secure = env.config.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=${cookiePath(env, identityId)}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(header) ? header.join('; ') : (header ?? '');
  for (const part of all.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface StartedLogin {
  /** the provider's authorization URL */
  readonly location: string;
  /** ties the login to this browser; the exchange refuses a browser without it */
  readonly setCookie: string;
}

/**
 * Starts a login: a pending request with a random state, nonce and PKCE verifier (and the portal's
 * redirect_uri) and the provider's authorization URL to send the browser to.
 */
export async function startLogin(
  env: LoginEnv,
  identity: IdentityRow,
  redirectUri: string | undefined,
): Promise<StartedLogin> {
  await assertPortalRedirect(env, identity, redirectUri);
  const type = providerOf(identity);
  const config = configOf(env, identity);
  const state = newOpaqueToken(32);
  const nonce = newOpaqueToken(32);
  const codeVerifier = newOpaqueToken(32);
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const location = await callProvider(env, identity, () =>
    type.authorizationUrl(
      config,
      { redirectUri: exchangeUrl(env.config.publicUrl, identity.id), state, nonce, codeChallenge },
      callOptions,
    ),
  );
  const browser = newOpaqueToken(32);
  const now = Date.now();
  // logins nobody finished: their state could never be used again anyway
  await env.db
    .deleteFrom('identity_requests')
    .where('created_at', '<', now - loginRequestLifetimeMs)
    .execute();
  await insertWithId(
    env.db.insertInto('identity_requests').values({
      identity_id: identity.id,
      state_hash: digest(state),
      browser_hash: digest(browser),
      nonce,
      code_verifier: codeVerifier,
      redirect_uri: redirectUri ?? null,
      created_at: now,
    }),
    env.dialect,
  );
  return {
    location: location.toString(),
    setCookie: cookie(env, identity.id, cookieName(state), browser, loginRequestLifetimeMs / 1000),
  };
}

export interface FinishedLogin {
  readonly user: UserRow;
  readonly remote: RemoteUser;
  /** the portal's callback, when the login was started with one */
  readonly redirectUri: string | null;
  /** removes the browser cookie of this login */
  readonly clearCookie: string;
}

/** Takes the pending request for a state out of the table: at most one exchange can ever use it. */
async function consumeRequest(env: LoginEnv, identity: IdentityRow, state: string) {
  const row = await env.db
    .selectFrom('identity_requests')
    .selectAll()
    .where('identity_id', '=', identity.id)
    .where('state_hash', '=', digest(state))
    .executeTakeFirst();
  if (!row) return undefined;
  const deleted = await env.db.deleteFrom('identity_requests').where('id', '=', row.id).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1 ? row : undefined;
}

/**
 * Finishes a login at the provider's callback: checks the state (single use, at most 10 minutes old, from
 * the browser that started the login), redeems the code, validates the ID token and nonce (OpenID Connect),
 * and finds, links or creates the account.
 */
export async function finishLogin(
  env: LoginEnv,
  identity: IdentityRow,
  query: Query,
  cookieHeader: string | string[] | undefined,
): Promise<FinishedLogin> {
  const state = single(query, 'state');
  const error = single(query, 'error');
  if (error !== undefined) {
    // the login is over either way: the state must not be usable afterwards
    if (state !== undefined) await consumeRequest(env, identity, state);
    const description = single(query, 'error_description');
    throw badRequest(`Could not authenticate user: ${[error, description].filter(Boolean).join(' - ')}`);
  }
  const code = single(query, 'code');
  if (code === undefined) throw badRequest('No code provided');
  if (state === undefined) throw badRequest('No state provided');
  const request = await consumeRequest(env, identity, state);
  if (!request) throw badRequest('Provided identity state was not requested');
  if (request.created_at + loginRequestLifetimeMs < Date.now()) {
    throw badRequest('Provided identity request is expired');
  }
  const name = cookieName(state);
  const browser = cookieValue(cookieHeader, name);
  if (browser === undefined || !safeEqual(digest(browser), request.browser_hash)) {
    throw badRequest('This login was started in another browser; please start it again');
  }
  const type = providerOf(identity);
  const config = configOf(env, identity);
  const redirectUri = exchangeUrl(env.config.publicUrl, identity.id);
  const callbackUrl = new URL(redirectUri);
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      callbackUrl.searchParams.append(key, v);
    }
  }
  const remote = await callProvider(env, identity, () =>
    type.exchange(
      config,
      { callbackUrl, redirectUri, state, nonce: request.nonce, codeVerifier: request.code_verifier },
      callOptions,
    ),
  );
  const user = await linkOrCreateUser(env, identity, remote);
  if (user.status !== UserStatus.active) throw badRequest('This account is not active');
  return {
    user,
    remote,
    redirectUri: request.redirect_uri,
    clearCookie: cookie(env, identity.id, name, '', 0),
  };
}
