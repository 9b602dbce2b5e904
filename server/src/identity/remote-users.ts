import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { findUserByEmail } from '../accounts/login.js';
import { userScopes } from '../auth/scopes.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import { type Database, type UserRow, UserStatus } from '../db/schema.js';
import { badRequest, PorticoError } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import type { RemoteUser } from './provider.js';
import type { IdentityRow } from './tables.js';

/** What finding, linking and creating the account of a provider's user uses. */
export interface AccountEnv {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** role_default and points_default, for accounts a provider's user gets */
  readonly settings: Pick<Settings, 'string' | 'number'>;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The account a provider's user already has here: created by the provider, or linked to it. */
async function knownUser(env: AccountEnv, identity: IdentityRow, remoteId: string): Promise<UserRow | undefined> {
  const linked = await env.db
    .selectFrom('identity_links')
    .innerJoin('users', 'users.id', 'identity_links.user_id')
    .selectAll('users')
    .where('identity_links.identity_id', '=', identity.id)
    .where('identity_links.remote_id', '=', remoteId)
    .executeTakeFirst();
  if (linked) return linked;
  return env.db
    .selectFrom('users')
    .selectAll()
    .where('identity_id', '=', identity.id)
    .where('remote_id', '=', remoteId)
    .executeTakeFirst();
}

/** An address the provider vouches for, in the form sign-ups store; undefined for anything else. */
function verifiedEmail(remote: RemoteUser): string | undefined {
  if (!remote.emailVerified || remote.email === undefined) return undefined;
  const email = remote.email.trim().toLowerCase();
  return email.length <= 128 && emailPattern.test(email) ? email : undefined;
}

/** The account with an address, however its owner capitalised it when it was stored. */
async function accountWithEmail(env: AccountEnv, email: string): Promise<UserRow | undefined> {
  const exact = await findUserByEmail(env.db, email);
  if (exact) return exact;
  // first logins only: a scan is fine here, and PostgreSQL and SQLite compare case-sensitively
  return env.db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email)
    .orderBy('id')
    .executeTakeFirst();
}

/** Accounts that can reach the backend are never taken over by an email match: their owners log in with a password. */
async function canBeLinked(env: AccountEnv, user: UserRow): Promise<boolean> {
  const scopes = await userScopes(env.db, user.id, user.role_id);
  return !scopes.some((s) => s === 'backend' || s.startsWith('backend.'));
}

async function link(env: AccountEnv, identity: IdentityRow, remote: RemoteUser, user: UserRow): Promise<UserRow> {
  const other = await env.db
    .selectFrom('identity_links')
    .select('remote_id')
    .where('identity_id', '=', identity.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (other || (user.identity_id === identity.id && user.remote_id !== remote.id)) {
    throw badRequest(`This account is already linked to another ${identity.name} user`);
  }
  try {
    await env.db
      .insertInto('identity_links')
      .values({ identity_id: identity.id, user_id: user.id, remote_id: remote.id, created_at: Date.now() })
      .execute();
  } catch (error) {
    // a parallel login of the same user linked it first
    const raced = await knownUser(env, identity, remote.id);
    if (raced?.id === user.id) return raced;
    throw error;
  }
  return user;
}

/** Letters, digits, "-", "_" and "." as user names allow, from whatever the provider calls the user. */
function nameBase(remote: RemoteUser, email: string | undefined): string {
  let raw = remote.name ?? email ?? remote.email ?? '';
  // Fusio: spaces become "_" and an email's domain is dropped
  raw = raw.trim().replace(/\s+/g, '_');
  if (raw.includes('@')) raw = raw.slice(0, raw.indexOf('@'));
  const ascii = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9\-_.]/g, '')
    .slice(0, 48);
  return ascii.length >= 3 ? ascii : `user${ascii ? `-${ascii}` : ''}`;
}

async function nameIsFree(env: AccountEnv, name: string): Promise<boolean> {
  return !(await env.db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst());
}

async function freeName(env: AccountEnv, base: string): Promise<string> {
  if (await nameIsFree(env, base)) return base;
  for (let n = 2; n <= 5; n++) if (await nameIsFree(env, `${base}-${n}`)) return `${base}-${n}`;
  return `${base}-${randomBytes(4).toString('hex')}`;
}

async function roleFor(env: AccountEnv, identity: IdentityRow): Promise<number> {
  const query = env.db.selectFrom('roles').select('id');
  const role = await (identity.role_id !== null
    ? query.where('id', '=', identity.role_id)
    : query.where('name', '=', env.settings.string('role_default'))
  ).executeTakeFirst();
  if (!role) throw new PorticoError('INTERNAL', 'Invalid default role configured');
  return role.id;
}

async function create(
  env: AccountEnv,
  identity: IdentityRow,
  remote: RemoteUser,
  email: string | undefined,
): Promise<UserRow> {
  const roleId = await roleFor(env, identity);
  const base = nameBase(remote, email);
  for (let attempt = 0; ; attempt++) {
    const name = await freeName(env, base);
    try {
      const id = await insertWithId(
        env.db.insertInto('users').values({
          role_id: roleId,
          plan_id: null,
          identity_id: identity.id,
          status: UserStatus.active,
          remote_id: remote.id,
          external_id: null,
          name,
          email: email ?? null,
          password: null,
          points: env.settings.number('points_default') || null,
          metadata: null,
          created_at: Date.now(),
        }),
        env.dialect,
      );
      return await env.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    } catch (error) {
      // a parallel first login of the same user, or someone took the name or address meanwhile
      const raced = await knownUser(env, identity, remote.id);
      if (raced) return raced;
      if (attempt >= 3) throw error;
      if (email !== undefined && (await accountWithEmail(env, email))) email = undefined;
    }
  }
}

/**
 * The local account for a provider's user:
 * 1. the account already known by (identity, remote id) — whatever the user's email is now;
 * 2. else an existing account with the same address, linked — only when the provider says the address
 *    is verified, and never an account with backend access;
 * 3. else a new account when the identity allows it (role: the identity's or role_default). It gets the
 *    address only when verified and not taken, so nobody can claim someone else's address through a
 *    provider that does not check it.
 */
export async function linkOrCreateUser(env: AccountEnv, identity: IdentityRow, remote: RemoteUser): Promise<UserRow> {
  const known = await knownUser(env, identity, remote.id);
  if (known) {
    if (known.status === UserStatus.deleted) throw badRequest('Provided user is not available');
    return known;
  }
  const email = verifiedEmail(remote);
  const owner = email !== undefined ? await accountWithEmail(env, email) : undefined;
  if (owner && owner.status !== UserStatus.deleted) {
    if (owner.status !== UserStatus.active) throw badRequest('This account is not active');
    if (!(await canBeLinked(env, owner))) {
      throw badRequest('An account with this email exists and must log in with its password');
    }
    return link(env, identity, remote, owner);
  }
  if (identity.allow_create !== 1) throw badRequest('Provided user is not available');
  const free = email !== undefined && !owner ? email : undefined;
  return create(env, identity, remote, free);
}
