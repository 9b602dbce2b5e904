import type { Kysely } from 'kysely';
import { verifyPassword } from '../auth/passwords.js';
import { type Database, type UserRow, UserStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import type { TrustedNetworks } from '../networks.js';
import { accountName, attemptKeys, type LoginThrottle } from './throttle.js';

/** What a password check works with. */
export interface LoginDeps {
  readonly db: Kysely<Database>;
  readonly loginThrottle: LoginThrottle;
  readonly trustedNetworks: TrustedNetworks;
}

/** A local user by email: the stored spelling or its lower-case form (sign-ups store lower case). */
export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  const candidates = [...new Set([email, email.toLowerCase()])];
  const rows = await db.selectFrom('users').selectAll().where('email', 'in', candidates).execute();
  return rows.find((r) => r.email === email) ?? rows[0];
}

/** A name, or an email when it has an `@` (names cannot). */
export async function findUserByLogin(db: Kysely<Database>, login: string): Promise<UserRow | undefined> {
  if (login.includes('@')) return findUserByEmail(db, login);
  return db.selectFrom('users').selectAll().where('name', '=', login).executeTakeFirst();
}

export function tooManyAttempts(waitMs: number): PorticoError {
  return new PorticoError('TOO_MANY_REQUESTS', 'Too many failed login attempts, please try again later', {
    'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
  });
}

export type PasswordLogin =
  | { readonly kind: 'ok'; readonly user: UserRow }
  | { readonly kind: 'inactive'; readonly user: UserRow }
  | { readonly kind: 'invalid' };

/**
 * Checks a password for an account under the login throttle (accounts/throttle.ts): the attempt is
 * counted before the password is hashed, so concurrent guesses share one budget; a refused attempt is a
 * 429 with Retry-After and costs no hashing. Unknown names are throttled and timed like known ones.
 */
export async function checkPassword(
  deps: LoginDeps,
  account: { login: string; user: UserRow | undefined },
  password: string,
  ip: string | undefined,
): Promise<boolean> {
  const keys = attemptKeys(accountName(account.login, account.user), ip, deps.trustedNetworks);
  const decision = await deps.loginThrottle.begin(keys);
  if (decision.waitMs > 0) throw tooManyAttempts(decision.waitMs);
  const ok = (await verifyPassword(password, account.user?.password)) && account.user !== undefined;
  if (ok) await deps.loginThrottle.succeeded(decision.counted);
  return ok;
}

/** A name-or-email and password login, under the login throttle. */
export async function passwordLogin(
  deps: LoginDeps,
  login: string,
  password: string,
  ip?: string,
): Promise<PasswordLogin> {
  const user = login.length <= 128 ? await findUserByLogin(deps.db, login) : undefined;
  if (!(await checkPassword(deps, { login, user }, password, ip)) || !user) return { kind: 'invalid' };
  if (user.status !== UserStatus.active || user.identity_id !== null) return { kind: 'inactive', user };
  return { kind: 'ok', user };
}
