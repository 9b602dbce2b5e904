import type { ConsumerAuthorizeMeta, ConsumerAuthorizeResponse, ConsumerScope } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { appScopes, decideScopes, openidScope, splitScopes, userScopes } from '../auth/scopes.js';
import { type Database, UserStatus } from '../db/schema.js';
import { clientOf, findActiveApp, type OAuthClient } from './clients.js';
import { createCode } from './codes.js';
import type { OAuthDeps } from './deps.js';
import { recordGrant } from './grants.js';
import { isValidS256Challenge } from './pkce.js';

/** The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC nonce). */
export interface AuthorizationRequestInput {
  responseType?: string;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
}

type Params = Readonly<Record<string, unknown>>;

function text(params: Params, ...names: string[]): string | undefined {
  for (const name of names) {
    const raw = params[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** From the browser's query string (snake_case, as RFC 6749 names them). */
export function authorizationInputFromQuery(query: Params): AuthorizationRequestInput {
  return {
    responseType: text(query, 'response_type'),
    clientId: text(query, 'client_id'),
    redirectUri: text(query, 'redirect_uri'),
    scope: text(query, 'scope'),
    state: text(query, 'state'),
    codeChallenge: text(query, 'code_challenge'),
    codeChallengeMethod: text(query, 'code_challenge_method'),
    nonce: text(query, 'nonce'),
  };
}

/**
 * From fusio-sdk's ConsumerAuthorizeRequest (camelCase). PKCE and the nonce are not in the SDK's type,
 * so the consent page adds them as `codeChallenge`, `codeChallengeMethod` and `nonce` (snake_case works too).
 */
export function authorizationInputFromBody(body: Params): AuthorizationRequestInput {
  return {
    responseType: text(body, 'responseType', 'response_type'),
    clientId: text(body, 'clientId', 'client_id'),
    redirectUri: text(body, 'redirectUri', 'redirect_uri'),
    scope: text(body, 'scope'),
    state: text(body, 'state'),
    codeChallenge: text(body, 'codeChallenge', 'code_challenge'),
    codeChallengeMethod: text(body, 'codeChallengeMethod', 'code_challenge_method'),
    nonce: text(body, 'nonce'),
  };
}

/**
 * An authorization request that cannot be granted. Without a trustworthy redirect URI (unknown client,
 * unregistered URI) the error must not be sent to the URI given (RFC 6749 §4.1.2.1): redirectUri is null.
 */
export class AuthorizationError extends Error {
  constructor(
    readonly type: string,
    readonly description: string,
    readonly redirectUri: string | null,
  ) {
    super(description);
    this.name = 'AuthorizationError';
  }
}

export interface ValidatedAuthorization {
  client: OAuthClient;
  redirectUri: string;
  redirectUriGiven: boolean;
  codeChallenge: string | null;
  nonce: string | null;
}

/** The client and the redirect URI to answer at, or why there is none to trust. */
async function resolveRedirect(
  db: Kysely<Database>,
  input: AuthorizationRequestInput,
): Promise<{ client: OAuthClient; redirectUri: string } | AuthorizationError> {
  if (!input.clientId) return new AuthorizationError('invalid_request', 'No client id provided', null);
  const app = await findActiveApp(db, input.clientId);
  if (!app) return new AuthorizationError('invalid_request', 'Provided an invalid client id', null);
  const client = clientOf(app);
  if (input.redirectUri !== undefined) {
    if (!client.redirectUris.includes(input.redirectUri)) {
      return new AuthorizationError('invalid_request', 'Redirect uri is not registered for this app', null);
    }
    return { client, redirectUri: input.redirectUri };
  }
  if (client.redirectUris.length === 1) return { client, redirectUri: client.redirectUris[0] as string };
  const reason = client.redirectUris.length === 0 ? 'App has no redirect uri registered' : 'No redirect uri provided';
  return new AuthorizationError('invalid_request', reason, null);
}

/** Checks client, redirect URI, response type and PKCE; scopes are checked once the user is known. */
export async function validateAuthorizationRequest(
  db: Kysely<Database>,
  input: AuthorizationRequestInput,
): Promise<ValidatedAuthorization> {
  const resolved = await resolveRedirect(db, input);
  // the response type is judged first, as Fusio does; the answer goes to the app only if its URI is trusted
  if (input.responseType !== 'code') {
    const trusted = resolved instanceof AuthorizationError ? null : resolved.redirectUri;
    throw new AuthorizationError('unsupported_response_type', 'Invalid response type', trusted);
  }
  if (resolved instanceof AuthorizationError) throw resolved;
  const { client, redirectUri } = resolved;
  const fail = (type: string, description: string) => new AuthorizationError(type, description, redirectUri);
  let codeChallenge: string | null = null;
  if (input.codeChallenge !== undefined) {
    // no method means `plain` (RFC 7636 §4.3), which offers no protection: only S256 is accepted
    if (input.codeChallengeMethod !== 'S256') throw fail('invalid_request', 'Code challenge method must be S256');
    if (!isValidS256Challenge(input.codeChallenge)) throw fail('invalid_request', 'Invalid code challenge');
    codeChallenge = input.codeChallenge;
  } else if (input.codeChallengeMethod !== undefined) {
    throw fail('invalid_request', 'Code challenge method without a code challenge');
  } else if (client.isPublic) {
    throw fail('invalid_request', 'Public clients must use PKCE (code_challenge with S256)');
  }
  if (input.nonce !== undefined && input.nonce.length > 255) throw fail('invalid_request', 'Nonce is too long');
  return {
    client,
    redirectUri,
    redirectUriGiven: input.redirectUri !== undefined,
    codeChallenge,
    nonce: input.nonce ?? null,
  };
}

/** Adds response parameters to a redirect URI, keeping the query it already has. */
export function redirectWith(uri: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}

function isBackendScope(scope: string): boolean {
  return scope === 'backend' || scope.startsWith('backend.');
}

/**
 * The scopes a third-party app may get for a user: asked for, held by the app and by the user, never
 * the backend (as in Fusio). `openid` asks for the user's identity, not for API access: granted on request.
 */
export async function grantableScopes(
  db: Kysely<Database>,
  appId: number,
  user: { id: number; roleId: number },
  requested: readonly string[],
  /** the scopes of the token the user consents with: a narrow token cannot consent to more */
  callerScopes?: readonly string[],
): Promise<string[]> {
  const apiScopes = requested.filter((s) => s !== openidScope);
  const granted =
    apiScopes.length === 0
      ? []
      : decideScopes(apiScopes, {
          token: callerScopes,
          app: await appScopes(db, appId),
          user: await userScopes(db, user.id, user.roleId),
        }).granted.filter((s) => !isBackendScope(s));
  return requested.includes(openidScope) ? [openidScope, ...granted] : granted;
}

/** What the consent page shows: the app and the scopes it asks for that it may have (Fusio's getApp). */
export async function consentMeta(
  deps: OAuthDeps,
  clientId: string | undefined,
  scope: string | undefined,
): Promise<(ConsumerAuthorizeMeta & { id: number }) | undefined> {
  const app = clientId ? await findActiveApp(deps.db, clientId) : undefined;
  if (!app) return undefined;
  const available = await appScopes(deps.db, app.id);
  const requested = splitScopes(scope);
  const apiScopes = requested.filter((s) => s !== openidScope);
  const names = (
    requested.length === 0
      ? available
      : apiScopes.length === 0
        ? []
        : decideScopes(apiScopes, { app: available }).granted
  ).filter((s) => !isBackendScope(s));
  if (requested.includes(openidScope)) names.unshift(openidScope);
  const rows =
    names.length === 0
      ? []
      : await deps.db.selectFrom('scopes').select(['id', 'name', 'description']).where('name', 'in', names).execute();
  const byName = new Map(rows.map((r) => [r.name, r]));
  const scopes: ConsumerScope[] = names.flatMap((name) => {
    const row = byName.get(name);
    return row ? [{ id: row.id, name: row.name, description: row.description }] : [];
  });
  return { id: app.id, name: app.name, url: app.url, scopes };
}

export interface ConsentingUser {
  id: number;
  /** the scopes of the session token the consent comes with */
  tokenScopes: readonly string[];
  /** epoch ms the user logged in (the id_token's auth_time) */
  authTime: number | null;
}

/**
 * The user's answer to an authorization request (Fusio's Service\User\Authorize): allowed, a one-time
 * code for the app, sent back to its redirect URI with the state; denied, the app's tokens for the user
 * are revoked. Errors are answered in the response (and in the redirect when the URI is trusted).
 */
export async function decideAuthorization(
  deps: OAuthDeps,
  user: ConsentingUser,
  input: AuthorizationRequestInput,
  allow: boolean,
): Promise<ConsumerAuthorizeResponse> {
  const issuer = deps.config.publicUrl;
  const state = input.state;
  try {
    const request = await validateAuthorizationRequest(deps.db, input);
    const fail = (type: string, description: string) => new AuthorizationError(type, description, request.redirectUri);
    const requested = splitScopes(input.scope);
    if (requested.length === 0) throw fail('invalid_request', 'No scope was selected');
    const app = request.client.app;
    if (!allow) {
      await deps.tokens.revokeWhere({ userId: user.id, appId: app.id });
      await recordGrant(deps, user.id, app.id, false, []);
      throw fail('access_denied', 'The access was denied by the user');
    }
    const row = await deps.db
      .selectFrom('users')
      .select(['id', 'role_id', 'status'])
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (!row || row.status !== UserStatus.active) throw fail('access_denied', 'Invalid user status');
    const scopes = await grantableScopes(
      deps.db,
      app.id,
      { id: row.id, roleId: row.role_id },
      requested,
      user.tokenScopes,
    );
    if (scopes.length === 0) throw fail('invalid_scope', 'No valid scope given');
    await recordGrant(deps, user.id, app.id, true, scopes);
    const code = await createCode(deps, {
      appId: app.id,
      userId: user.id,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scopes,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      authTime: user.authTime,
    });
    return {
      type: 'code',
      code,
      state,
      redirectUri: redirectWith(request.redirectUri, { code, state, iss: issuer }),
    };
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    const answer: ConsumerAuthorizeResponse = { type: error.type, error: error.description, state };
    if (error.redirectUri !== null) {
      answer.redirectUri = redirectWith(error.redirectUri, {
        error: error.type,
        error_description: error.description,
        state,
        iss: issuer,
      });
    }
    return answer;
  }
}
