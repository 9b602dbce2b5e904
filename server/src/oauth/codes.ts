import { randomUUID } from 'node:crypto';
import { digest, newOpaqueToken } from '../auth/secrets.js';
import { insertWithId } from '../db/insert.js';
import type { OAuthDeps } from './deps.js';
import { invalidGrant } from './errors.js';
import type { AppCodeRow } from './schema.js';

/** Authorization codes live 5 minutes (RFC 6749 §4.1.2 allows at most 10). */
export const codeLifetimeSeconds = 300;

/** Used and expired codes are kept a day, so a late replay still revokes the tokens issued for them. */
const keepAfterExpiryMs = 24 * 60 * 60 * 1000;

export interface NewCode {
  appId: number;
  userId: number;
  redirectUri: string;
  redirectUriGiven: boolean;
  scopes: readonly string[];
  codeChallenge: string | null;
  nonce: string | null;
  authTime: number | null;
}

/** Stores a one-time code (only its digest) and returns the code for the redirect. */
export async function createCode(deps: OAuthDeps, input: NewCode): Promise<string> {
  const now = Date.now();
  const code = newOpaqueToken(32);
  await deps.db
    .deleteFrom('app_codes')
    .where('expires_at', '<', now - keepAfterExpiryMs)
    .execute();
  await insertWithId(
    deps.db.insertInto('app_codes').values({
      app_id: input.appId,
      user_id: input.userId,
      code: digest(code),
      family: randomUUID(),
      redirect_uri: input.redirectUri,
      redirect_uri_given: input.redirectUriGiven ? 1 : 0,
      scope: input.scopes.join(','),
      code_challenge: input.codeChallenge,
      nonce: input.nonce,
      auth_time: input.authTime,
      expires_at: now + codeLifetimeSeconds * 1000,
      used_at: null,
      created_at: now,
    }),
    deps.dialect,
  );
  return code;
}

/**
 * Redeems a code once. A second redemption is an attack or a broken client: the tokens issued for the
 * code are revoked (RFC 6749 §4.1.2) and the request fails. The client must be the code's app.
 */
export async function redeemCode(deps: OAuthDeps, code: string, appId: number): Promise<AppCodeRow> {
  const row = await deps.db.selectFrom('app_codes').selectAll().where('code', '=', digest(code)).executeTakeFirst();
  if (!row || row.app_id !== appId) throw invalidGrant('Invalid authorization code');
  const now = Date.now();
  const claimed = await deps.db
    .updateTable('app_codes')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) {
    await deps.tokens.revokeWhere({ family: row.family });
    throw invalidGrant('Authorization code was already used');
  }
  if (row.expires_at <= now) throw invalidGrant('Authorization code is expired');
  return row;
}
