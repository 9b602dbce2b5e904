import { type LoginDeps, passwordLogin } from '../accounts/login.js';
import { appScopes, decideScopes, openidScope, splitScopes, userScopes } from '../auth/scopes.js';
import { matchesDigest } from '../auth/secrets.js';
import type { IssuedToken } from '../auth/tokens.js';
import type { UserRow } from '../db/schema.js';
import { AppStatus, Category, TokenStatus, UserStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { type ActionRequest, type ActionResponse, response } from '../plugins/action.js';
import { grantableScopes } from './authorize.js';
import {
  authenticateClient,
  basicCredentials,
  bodyField,
  clientOf,
  type PresentedCredentials,
  presentedCredentials,
} from './clients.js';
import { redeemCode } from './codes.js';
import type { OAuthDeps } from './deps.js';
import {
  asOAuthResponse,
  invalidClient,
  invalidGrant,
  invalidRequest,
  invalidScope,
  noStore,
  OAuthError,
  unauthorizedClient,
} from './errors.js';
import { signIdToken } from './oidc-id-token.js';
import { verifiesChallenge } from './pkce.js';

/** The token endpoint checks users' passwords too (client_credentials with a user's name). */
type TokenEndpointDeps = OAuthDeps & LoginDeps;

export const supportedGrantTypes = ['authorization_code', 'client_credentials', 'refresh_token'] as const;

function tokenResponse(issued: IssuedToken, idToken?: string): ActionResponse {
  const body: Record<string, unknown> = {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    // comma-separated, as Fusio answers
    scope: issued.listedScopes.join(','),
  };
  if (idToken) body.id_token = idToken;
  return response(200, body, { ...noStore });
}

function userAgent(request: ActionRequest): string {
  const ua = request.headers['user-agent'];
  return typeof ua === 'string' && ua !== '' ? ua : 'unknown client';
}

/** POST /authorization/token (RFC 6749 §3.2): one function per grant type. */
export function tokenEndpoint(deps: TokenEndpointDeps, request: ActionRequest): Promise<ActionResponse> {
  // RFC 6749 §5.2: the Basic challenge answers credentials sent in the Authorization header only; a browser
  // app that posts them in the form must not get one (the browser would open its own password prompt)
  const sentBasic = basicCredentials(request.headers.authorization) !== null;
  return asOAuthResponse(async () => {
    try {
      const grant = bodyField(request.body, 'grant_type');
      switch (grant) {
        case 'client_credentials':
          return await clientCredentials(deps, request);
        case 'authorization_code':
          return await authorizationCode(deps, request);
        case 'refresh_token':
          return await refreshToken(deps, request);
        case undefined:
          throw invalidRequest('Grant type not available');
        default:
          throw new OAuthError('unsupported_grant_type', 'Invalid grant type');
      }
    } catch (error) {
      if (error instanceof OAuthError && error.challenge && !sentBasic) {
        throw new OAuthError(error.error, error.description, error.status, false, error.headers);
      }
      throw error;
    }
  });
}

/**
 * client_credentials: an app's key and secret (Basic or in the form), or a user's name/email and
 * password (how Fusio's admins and the CLI log in). Public clients have no credentials to use here.
 */
async function clientCredentials(deps: TokenEndpointDeps, request: ActionRequest): Promise<ActionResponse> {
  const credentials = presentedCredentials(request.headers.authorization, request.body);
  if (!credentials) throw invalidRequest('Credentials not available');
  const requested = splitScopes(bodyField(request.body, 'scope'));
  const app = await deps.db.selectFrom('apps').selectAll().where('app_key', '=', credentials.id).executeTakeFirst();
  if (app) {
    if (clientOf(app).isPublic) throw unauthorizedClient('Public clients cannot use client_credentials');
    if (credentials.secret === undefined || !matchesDigest(credentials.secret, app.app_secret)) throw invalidClient();
    if (app.status !== AppStatus.active) throw new OAuthError('invalid_client', 'Invalid app status');
    const user = await deps.db.selectFrom('users').selectAll().where('id', '=', app.user_id).executeTakeFirst();
    if (!user || user.status !== UserStatus.active) throw new OAuthError('invalid_client', 'Invalid user status');
    const scopes = decideScopes(
      requested.filter((s) => s !== openidScope),
      { app: await appScopes(deps.db, app.id), user: await userScopes(deps.db, user.id, user.role_id) },
    ).granted;
    if (scopes.length === 0) throw invalidScope('No valid scope given');
    return tokenResponse(
      await deps.tokens.issue({
        user: { id: user.id, name: user.name, email: user.email },
        app: { id: app.id, key: app.app_key },
        scopes,
        categoryId: Category.authorization,
        name: userAgent(request),
        ip: request.ip,
      }),
    );
  }
  if (credentials.secret === undefined) throw invalidClient();
  const user = await userByPassword(deps, credentials.id, credentials.secret, request.ip);
  const scopes = decideScopes(requested, { user: await userScopes(deps.db, user.id, user.role_id) }).granted;
  if (scopes.length === 0) throw invalidScope('No valid scope given');
  return tokenResponse(
    await deps.tokens.issue({
      user: { id: user.id, name: user.name, email: user.email },
      app: null,
      scopes,
      categoryId: Category.authorization,
      name: userAgent(request),
      ip: request.ip,
    }),
  );
}

/** A user logging in with name (or email) and password, under the shared failed-login throttle. */
async function userByPassword(deps: TokenEndpointDeps, login: string, password: string, ip: string): Promise<UserRow> {
  try {
    const outcome = await passwordLogin(deps, login, password, ip);
    if (outcome.kind !== 'ok') throw invalidClient();
    return outcome.user;
  } catch (error) {
    if (error instanceof PorticoError && error.status === 429) {
      throw new OAuthError('invalid_request', error.message, 429, false, error.headers);
    }
    throw error;
  }
}

/** authorization_code (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6): the code, once, by its own client. */
async function authorizationCode(deps: TokenEndpointDeps, request: ActionRequest): Promise<ActionResponse> {
  const client = await authenticateClient(deps.db, presentedCredentials(request.headers.authorization, request.body));
  const code = bodyField(request.body, 'code');
  if (!code) throw invalidRequest('Code not available');
  const row = await redeemCode(deps, code, client.app.id);
  const redirectUri = bodyField(request.body, 'redirect_uri');
  const redirectMatches =
    row.redirect_uri_given === 1
      ? redirectUri === row.redirect_uri
      : redirectUri === undefined || redirectUri === row.redirect_uri;
  if (!redirectMatches) throw invalidGrant('Redirect uri does not match the authorization request');
  const verifier = bodyField(request.body, 'code_verifier');
  if (row.code_challenge !== null) {
    if (verifier === undefined) throw invalidGrant('Code verifier not available');
    if (!verifiesChallenge(row.code_challenge, verifier)) throw invalidGrant('Code verifier does not match');
  } else if (verifier !== undefined) {
    // a verifier for a code issued without a challenge is a PKCE downgrade attempt (RFC 9700 §2.1.1)
    throw invalidGrant('Code verifier given for a code without a code challenge');
  }
  const user = await deps.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.status !== UserStatus.active) throw invalidGrant('Invalid user status');
  // the app's or the user's scopes may have shrunk since the consent
  const scopes = await grantableScopes(
    deps.db,
    client.app.id,
    { id: user.id, roleId: user.role_id },
    row.scope.split(',').filter(Boolean),
  );
  if (scopes.length === 0) throw invalidScope('No valid scope given');
  const issued = await deps.tokens.issue({
    user: { id: user.id, name: user.name, email: user.email },
    app: { id: client.app.id, key: client.app.app_key },
    scopes,
    categoryId: Category.authorization,
    name: userAgent(request),
    ip: request.ip,
    family: row.family,
  });
  const idToken = scopes.includes(openidScope)
    ? await signIdToken(deps.keys, {
        issuer: deps.tokens.issuerUrl(),
        clientId: client.app.app_key,
        user,
        accessToken: issued.accessToken,
        nonce: row.nonce,
        authTime: row.auth_time,
      })
    : undefined;
  return tokenResponse(issued, idToken);
}

/**
 * refresh_token (RFC 6749 §6) with rotation: each refresh token works once. Presenting one that was
 * already rotated means it leaked (or the client is broken): the whole family is revoked (RFC 9700 §4.14).
 */
async function refreshToken(deps: TokenEndpointDeps, request: ActionRequest): Promise<ActionResponse> {
  const presented = bodyField(request.body, 'refresh_token');
  if (!presented) throw invalidRequest('Refresh token not available');
  const credentials = presentedCredentials(request.headers.authorization, request.body);
  const row = await deps.tokens.findByRefreshToken(presented);
  if (!row) throw invalidGrant('Invalid refresh token');
  let app: { id: number; key: string } | null = null;
  if (row.app_id !== null) {
    // the token is bound to its client: a confidential client proves itself again
    const client = await authenticateClient(deps.db, credentials);
    if (client.app.id !== row.app_id) throw invalidGrant('Refresh token was not issued to this client');
    app = { id: client.app.id, key: client.app.app_key };
  } else {
    await assertNotAnotherClient(deps, credentials);
  }
  if (row.status !== TokenStatus.active) {
    if (row.family) await deps.tokens.revokeWhere({ family: row.family });
    throw invalidGrant('Invalid refresh token');
  }
  if (row.created_at + deps.tokens.refreshLifetime() * 1000 < Date.now()) {
    throw invalidGrant('Refresh token is expired');
  }
  const user = await deps.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.status !== UserStatus.active) throw invalidGrant('Invalid user status');
  const original = row.scope ? row.scope.split(',') : [];
  const requested = splitScopes(bodyField(request.body, 'scope'));
  if (decideScopes(requested, { original }).refused.length > 0) {
    throw invalidScope('Scope exceeds the original grant');
  }
  // what the user and the app may have now: a demotion or a scope cut since the grant is not refreshed away
  const asked = requested.length > 0 ? requested : original;
  const apiScopes = decideScopes(
    asked.filter((s) => s !== openidScope),
    {
      original,
      user: await userScopes(deps.db, user.id, user.role_id),
      app: app ? await appScopes(deps.db, app.id) : undefined,
    },
  ).granted;
  // `openid` asks for the user's identity, not for API access: it stays as long as the grant had it
  const scopes = asked.includes(openidScope) ? [openidScope, ...apiScopes] : apiScopes;
  if (scopes.length === 0) throw invalidScope('No valid scope given');
  if (!(await deps.tokens.retireForRotation(row.id))) {
    // another request won the race with the same refresh token: a replay
    if (row.family) await deps.tokens.revokeWhere({ family: row.family });
    throw invalidGrant('Invalid refresh token');
  }
  return tokenResponse(
    await deps.tokens.issue({
      user: { id: user.id, name: user.name, email: user.email },
      app,
      scopes,
      categoryId: row.category_id,
      name: row.name ?? userAgent(request),
      ip: request.ip,
      family: row.family ?? undefined,
    }),
  );
}

/** A first-party token (no app) may be refreshed with the user's credentials or none, never by an app. */
async function assertNotAnotherClient(
  deps: TokenEndpointDeps,
  credentials: PresentedCredentials | null,
): Promise<void> {
  if (!credentials) return;
  const app = await deps.db.selectFrom('apps').select('id').where('app_key', '=', credentials.id).executeTakeFirst();
  if (app) throw invalidGrant('Refresh token was not issued to this client');
}
