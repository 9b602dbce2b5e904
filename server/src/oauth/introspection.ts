import { appScopes, listedScopes } from '../auth/scopes.js';
import type { AccessClaims } from '../auth/tokens.js';
import { type TokenRow, TokenStatus } from '../db/schema.js';
import { authenticateClient, type OAuthClient, type PresentedCredentials } from './clients.js';
import type { OAuthDeps } from './deps.js';
import { invalidClient, invalidRequest } from './errors.js';

/** RFC 7662 §2.2; an inactive token says nothing else about itself. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  username?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  jti?: string;
}

const inactive: IntrospectionResponse = { active: false };

function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}

interface FoundToken {
  kind: 'access_token' | 'refresh_token';
  row: TokenRow;
  claims: AccessClaims | null;
}

/**
 * Finds the row of a presented token: an access token by its verified jti, a refresh token by its
 * digest. The hint only changes the order of the lookups (RFC 7009 §2.1, RFC 7662 §2.1).
 */
async function findPresented(deps: OAuthDeps, token: string, hint: string | undefined): Promise<FoundToken | null> {
  const asAccess = async (): Promise<FoundToken | null> => {
    if (!looksLikeJwt(token)) return null;
    const claims = await deps.tokens.inspect(token);
    const row = claims ? await deps.tokens.findByTokenId(claims.jti) : undefined;
    return row && claims ? { kind: 'access_token', row, claims } : null;
  };
  const asRefresh = async (): Promise<FoundToken | null> => {
    if (token.length > 512) return null;
    const row = await deps.tokens.findByRefreshToken(token);
    return row ? { kind: 'refresh_token', row, claims: null } : null;
  };
  const [first, second] =
    hint === 'refresh_token' || !looksLikeJwt(token) ? [asRefresh, asAccess] : [asAccess, asRefresh];
  return (await first()) ?? (await second());
}

function isActive(deps: OAuthDeps, found: FoundToken, now: number): boolean {
  const { row } = found;
  if (row.status !== TokenStatus.active) return false;
  if (found.kind === 'access_token') return row.expire > now && !deps.tokens.revocations.has(row.token_id);
  return row.created_at + deps.tokens.refreshLifetime() * 1000 > now;
}

/** Introspection needs a confidential client (a resource server), RFC 7662 §2.1. */
export async function authenticateIntrospector(
  deps: OAuthDeps,
  credentials: PresentedCredentials | null,
): Promise<OAuthClient> {
  if (!credentials || credentials.secret === undefined) throw invalidClient('Client authentication required');
  return authenticateClient(deps.db, credentials);
}

/** The scope that lets a client (a resource server) introspect tokens issued to other apps. */
export const introspectScope = 'introspect';

/**
 * RFC 7662: whether the token is active now (signature, expiry and the database's revocation state).
 * A client learns about its own tokens; about others' only with the `introspect` scope — to anyone else
 * they are inactive (§4: the answer must not help a client scan for tokens).
 */
export async function introspectToken(
  deps: OAuthDeps,
  client: OAuthClient,
  token: string | undefined,
  hint: string | undefined,
): Promise<IntrospectionResponse> {
  if (!token) throw invalidRequest('Token not available');
  const found = await findPresented(deps, token, hint);
  const now = Date.now();
  if (!found || !isActive(deps, found, now)) return inactive;
  if (found.row.app_id !== client.app.id && !(await appScopes(deps.db, client.app.id)).includes(introspectScope)) {
    return inactive;
  }
  const { row } = found;
  const [app, user] = await Promise.all([
    row.app_id === null
      ? undefined
      : deps.db.selectFrom('apps').select('app_key').where('id', '=', row.app_id).executeTakeFirst(),
    deps.db.selectFrom('users').select('name').where('id', '=', row.user_id).executeTakeFirst(),
  ]);
  const answer: IntrospectionResponse = {
    active: true,
    // every scope the token holds, sub-scopes included, as its token response named them
    scope: (await listedScopes(deps.db, row.scope.split(',').filter(Boolean))).join(' '),
    token_type: found.kind === 'access_token' ? 'Bearer' : 'refresh_token',
    sub: String(row.user_id),
    iss: deps.tokens.issuerUrl(),
  };
  if (app) answer.client_id = app.app_key;
  if (user) answer.username = user.name;
  if (found.claims) {
    answer.exp = found.claims.exp;
    answer.iat = found.claims.iat;
    answer.jti = found.claims.jti;
    if (found.claims.aud !== undefined) answer.aud = found.claims.aud;
  } else {
    answer.iat = Math.floor(row.created_at / 1000);
    answer.exp = Math.floor((row.created_at + deps.tokens.refreshLifetime() * 1000) / 1000);
  }
  return answer;
}

/**
 * RFC 7009: revokes a token of the authenticated client. A refresh token takes its whole family with it
 * (every access token issued from the same grant); an access token takes its own refresh token.
 * Unknown tokens are not an error (§2.2); another client's token is refused.
 */
export async function revokePresentedToken(
  deps: OAuthDeps,
  client: OAuthClient,
  token: string | undefined,
  hint: string | undefined,
): Promise<void> {
  if (!token) throw invalidRequest('Token not available');
  const found = await findPresented(deps, token, hint);
  if (!found) return;
  if (found.row.app_id !== client.app.id) throw invalidRequest('Token was not issued to this client');
  if (found.kind === 'refresh_token' && found.row.family) {
    await deps.tokens.revokeWhere({ family: found.row.family });
  } else {
    await deps.tokens.revokeWhere({ tokenId: found.row.token_id });
  }
}
