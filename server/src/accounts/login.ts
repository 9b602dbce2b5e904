import type { Kysely } from 'kysely';
import { verifyPassword } from '../auth/passwords.js';
import { type Database, type UserRow, UserStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import type { Platform } from '../runtime/platform.js';
import type { ThrottleKey } from './throttle.js';

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

/** Every name an account goes by counts against the same budget: its id, name and email. */
export function accountKeys(login: string, user: UserRow | undefined): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ kind: 'account', id: login.toLowerCase() }];
  if (user) {
    keys.push({ kind: 'account', id: `#${user.id}` });
    keys.push({ kind: 'account', id: user.name.toLowerCase() });
    if (user.email) keys.push({ kind: 'account', id: user.email.toLowerCase() });
  }
  return [...new Map(keys.map((k) => [k.id, k])).values()];
}

export function tooManyAttempts(seconds: number): PorticoError {
  return new PorticoError('TOO_MANY_REQUESTS', 'Too many failed login attempts, please try again later', {
    'Retry-After': String(Math.max(1, seconds)),
  });
}

export type PasswordLogin =
  | { readonly kind: 'ok'; readonly user: UserRow }
  | { readonly kind: 'inactive'; readonly user: UserRow }
  | { readonly kind: 'invalid' };

/**
 * Checks a name-or-email and password under the login throttle: once an account (or, when the IP is
 * known, the client's address) has too many recent failures, every attempt gets a 429 with
 * Retry-After — the right password included. Unknown names are throttled and timed like known ones.
 */
export async function passwordLogin(
  platform: Platform,
  login: string,
  password: string,
  ip?: string,
): Promise<PasswordLogin> {
  const user = login.length <= 128 ? await findUserByLogin(platform.db, login) : undefined;
  const accounts = accountKeys(login, user);
  const keys: ThrottleKey[] = ip ? [...accounts, { kind: 'ip', id: ip }] : accounts;
  const wait = await platform.loginThrottle.blockedFor(keys);
  if (wait > 0) throw tooManyAttempts(wait);
  const ok = await verifyPassword(password, user?.password);
  if (!ok || !user) {
    await platform.loginThrottle.recordFailure(keys);
    return { kind: 'invalid' };
  }
  await platform.loginThrottle.reset(accounts);
  if (user.status !== UserStatus.active || user.identity_id !== null) return { kind: 'inactive', user };
  return { kind: 'ok', user };
}
