import type { Generated, Kysely, Selectable } from 'kysely';
import { digest, newOpaqueToken } from '../auth/secrets.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';

/** One-time tokens sent by mail (migration 2026-11-28d-accounts). */
export interface AccountTokenTable {
  id: Generated<number>;
  user_id: number;
  purpose: AccountTokenPurpose;
  /** SHA-256 of the token; the token itself exists only in the mail */
  token_hash: string;
  expire: number;
  used_at: number | null;
  created_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    account_tokens: AccountTokenTable;
  }
}

/** `notice` rows carry no usable token: they record when an "account exists" mail was sent */
export type AccountTokenPurpose = 'activate' | 'reset' | 'notice';
export type AccountTokenRow = Selectable<AccountTokenTable>;

/** How long a mailed token works. */
export const accountTokenLifetime: Record<AccountTokenPurpose, number> = {
  activate: 24 * 60 * 60 * 1000,
  reset: 60 * 60 * 1000,
  notice: 10 * 60 * 1000,
};

/**
 * Expired reset tokens, notices and used activation tokens are deleted this long after they expire. An unused
 * activation token stays: it marks an account that was never activated.
 */
const retention = 7 * 24 * 60 * 60 * 1000;

/**
 * Issues a fresh one-time token for a user, replacing any unused token of the same purpose
 * (only the newest mail works). The token has 256 random bits, so a SHA-256 digest is enough at rest.
 */
export async function issueAccountToken(
  db: Kysely<Database>,
  dialect: DialectName,
  userId: number,
  purpose: AccountTokenPurpose,
  now = Date.now(),
): Promise<string> {
  const token = newOpaqueToken(32);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('account_tokens')
      .where((eb) =>
        eb.or([
          eb.and([eb('user_id', '=', userId), eb('purpose', '=', purpose), eb('used_at', 'is', null)]),
          eb.and([
            eb('expire', '<', now - retention),
            eb.or([eb('purpose', '!=', 'activate'), eb('used_at', 'is not', null)]),
          ]),
        ]),
      )
      .execute();
    await insertWithId(
      trx.insertInto('account_tokens').values({
        user_id: userId,
        purpose,
        token_hash: digest(token),
        expire: now + accountTokenLifetime[purpose],
        used_at: null,
        created_at: now,
      }),
      dialect,
    );
  });
  return token;
}

/**
 * Marks a token used and returns its row, or null when it is unknown, expired or already used.
 * The conditional update makes two concurrent uses of one token succeed at most once.
 */
export async function consumeAccountToken(
  db: Kysely<Database>,
  token: string,
  purpose: AccountTokenPurpose,
  now = Date.now(),
): Promise<AccountTokenRow | null> {
  if (token.length < 16 || token.length > 128) return null;
  const row = await db
    .selectFrom('account_tokens')
    .selectAll()
    .where('token_hash', '=', digest(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expire <= now) return null;
  const result = await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return null;
  return { ...row, used_at: now };
}

/** The newest token of a purpose for a user, used or not. */
export async function latestAccountToken(
  db: Kysely<Database>,
  userId: number,
  purpose: AccountTokenPurpose,
): Promise<AccountTokenRow | undefined> {
  return db
    .selectFrom('account_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
