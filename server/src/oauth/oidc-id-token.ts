import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { idTokenLifetimeSeconds, type KeyStore, signingAlg } from '../auth/keys.js';
import type { UserRow } from '../db/schema.js';

/** The claims Portico knows about a user; there are no profile/email scopes, `openid` brings them all. */
export interface UserClaims {
  sub: string;
  name: string;
  preferred_username: string;
  email?: string;
}

export function userClaims(user: Pick<UserRow, 'id' | 'name' | 'email'>): UserClaims {
  const claims: UserClaims = { sub: String(user.id), name: user.name, preferred_username: user.name };
  if (user.email) claims.email = user.email;
  return claims;
}

/** OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export interface IdTokenRequest {
  issuer: string;
  clientId: string;
  user: Pick<UserRow, 'id' | 'name' | 'email'>;
  accessToken: string;
  nonce: string | null;
  /** epoch ms the user authenticated */
  authTime: number | null;
}

/** Signs an id_token for the client (aud = client id) with the current signing key. */
export async function signIdToken(keys: KeyStore, request: IdTokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    ...userClaims(request.user),
    azp: request.clientId,
    at_hash: accessTokenHash(request.accessToken),
  };
  if (request.nonce) claims.nonce = request.nonce;
  if (request.authTime !== null) claims.auth_time = Math.floor(request.authTime / 1000);
  const { kid, key } = keys.signingKey();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signingAlg, kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(request.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + idTokenLifetimeSeconds)
    .sign(key);
}
