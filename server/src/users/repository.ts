import type { BackendApp, BackendUser } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { revokeTokensBeyondRights } from '../auth/rights.js';
import { scopeIdsByName, userScopes } from '../auth/scopes.js';
import type { TokenService } from '../auth/tokens.js';
import type { ChangeOrigin, ChangeWriter } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef } from '../db/listing.js';
import { AppStatus, type Database, type UserRow, UserStatus } from '../db/schema.js';
import { isoDate, parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Settings } from '../settings/settings.js';

/** What the user repository works with (the platform has all of it; tests and tools may pass less). */
export interface UserDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly settings: Settings;
  readonly changes: ChangeWriter;
  readonly tokens: TokenService;
}

const namePattern = /^[a-zA-Z0-9\-_.]{3,64}$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function assertUserName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw badRequest('Invalid user name: use 3 to 64 letters, digits, "-", "_" or "."');
  }
}

export function assertEmail(email: unknown): asserts email is string {
  if (typeof email !== 'string' || email.length > 128 || !emailPattern.test(email)) {
    throw badRequest('Invalid email format');
  }
}

export function assertPassword(platform: Pick<UserDeps, 'settings'>, password: unknown): asserts password is string {
  const min = Math.max(8, platform.settings.number('user_pw_length'));
  if (typeof password !== 'string' || password === '') throw badRequest('Password must not be empty');
  if ([...password].length < min) throw badRequest(`Password must have at least ${min} characters`);
  if (password.length > 256) throw badRequest('Password must have at most 256 characters');
}

export async function findUser(platform: Pick<UserDeps, 'db'>, ref: EntityRef): Promise<UserRow> {
  const query = platform.db.selectFrom('users').selectAll();
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where('name', '=', ref.name)
  ).executeTakeFirst();
  if (!row || row.status === UserStatus.deleted) throw notFound('Could not find user');
  return row;
}

export interface UserInput {
  roleId?: number;
  planId?: number | null;
  status?: number;
  name?: string;
  email?: string;
  password?: string;
  scopes?: string[];
  metadata?: Record<string, string>;
}

async function assertRole(db: Kysely<Database>, roleId: number): Promise<void> {
  const role = await db.selectFrom('roles').select('id').where('id', '=', roleId).executeTakeFirst();
  if (!role) throw badRequest('Provided role id does not exist');
}

async function assertUnique(db: Kysely<Database>, field: 'name' | 'email', value: string, exceptId?: number) {
  let query = db.selectFrom('users').select('id').where(field, '=', value);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst())
    throw conflict(field === 'name' ? 'User name already exists' : 'User email already exists');
}

async function findIn(db: Kysely<Database>, id: number): Promise<UserRow> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.status === UserStatus.deleted) throw notFound('Could not find user');
  return row;
}

/**
 * Creates a user in one unit: the row, its scopes and — for a backend call (`origin`) — its audit row
 * commit together. The password is hashed before the transaction opens, so no hash holds a write lock.
 */
export async function createUser(platform: UserDeps, input: UserInput, origin?: ChangeOrigin): Promise<number> {
  if (input.roleId === undefined) throw badRequest('User role id must not be empty');
  assertUserName(input.name);
  assertEmail(input.email);
  assertPassword(platform, input.password);
  const { roleId, name, email } = input;
  await assertRole(platform.db, roleId);
  await assertUnique(platform.db, 'name', name);
  await assertUnique(platform.db, 'email', email);
  const password = await hashPassword(input.password);
  return platform.changes.write(origin, async (unit) => {
    await assertUnique(unit.db, 'name', name);
    await assertUnique(unit.db, 'email', email);
    const id = await insertWithId(
      unit.db.insertInto('users').values({
        role_id: roleId,
        plan_id: input.planId ?? null,
        identity_id: null,
        status: input.status ?? UserStatus.active,
        remote_id: null,
        external_id: null,
        name,
        email,
        password,
        points: platform.settings.number('points_default') || null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        created_at: Date.now(),
      }),
      platform.dialect,
    );
    await setUserScopes(unit.db, id, input.scopes ?? []);
    // the rate limiter knows each user's plan
    if (input.planId !== undefined && input.planId !== null) unit.touched('user');
    unit.target(id);
    return id;
  });
}

/**
 * Changes a user in one unit. A demotion, a new plan or fewer scopes take effect now: the tokens that
 * carry more than the user may have are revoked once the change committed, not when they expire.
 */
export async function updateUser(
  platform: UserDeps,
  ref: EntityRef,
  input: UserInput,
  origin?: ChangeOrigin,
): Promise<number> {
  const { id } = await findUser(platform, ref);
  return platform.changes.write(origin, async (unit) => {
    const existing = await findIn(unit.db, id);
    const changes: Record<string, unknown> = {};
    if (input.name !== undefined && input.name !== existing.name) {
      assertUserName(input.name);
      await assertUnique(unit.db, 'name', input.name, existing.id);
      changes.name = input.name;
    }
    if (input.email !== undefined && input.email !== existing.email) {
      assertEmail(input.email);
      await assertUnique(unit.db, 'email', input.email, existing.id);
      changes.email = input.email;
    }
    if (input.roleId !== undefined && input.roleId !== existing.role_id) {
      await assertRole(unit.db, input.roleId);
      changes.role_id = input.roleId;
    }
    if (input.planId !== undefined && input.planId !== existing.plan_id) changes.plan_id = input.planId;
    if (input.status !== undefined) {
      if (![UserStatus.active, UserStatus.disabled, UserStatus.deleted].includes(input.status as 0 | 1 | 2)) {
        throw badRequest('User status must be one of: 0, 1, 2');
      }
      changes.status = input.status;
    }
    if (input.metadata !== undefined) changes.metadata = JSON.stringify(input.metadata);
    if (Object.keys(changes).length > 0)
      await unit.db.updateTable('users').set(changes).where('id', '=', existing.id).execute();
    if (input.scopes !== undefined) await setUserScopes(unit.db, existing.id, input.scopes);
    if (changes.plan_id !== undefined) unit.touched('user');
    if (changes.status !== undefined && changes.status !== UserStatus.active) {
      unit.afterCommit(async () => {
        await platform.tokens.revokeWhere({ userId: existing.id });
      });
    } else if (changes.role_id !== undefined || changes.plan_id !== undefined || input.scopes !== undefined) {
      unit.afterCommit(async () => {
        await revokeTokensBeyondRights(platform.db, platform.tokens, { userId: existing.id });
      });
    }
    unit.target(existing.id);
    return existing.id;
  });
}

/** Deletes a user and its apps in one unit; its tokens are revoked once that committed. */
export async function deleteUser(platform: UserDeps, ref: EntityRef, origin?: ChangeOrigin): Promise<number> {
  const { id } = await findUser(platform, ref);
  return platform.changes.write(origin, async (unit) => {
    const existing = await findIn(unit.db, id);
    await unit.db.deleteFrom('apps').where('user_id', '=', existing.id).execute();
    await unit.db.deleteFrom('users').where('id', '=', existing.id).execute();
    if (existing.plan_id !== null) unit.touched('user');
    unit.afterCommit(async () => {
      await platform.tokens.revokeWhere({ userId: existing.id });
    });
    unit.target(existing.id);
    return existing.id;
  });
}

async function setUserScopes(db: Kysely<Database>, userId: number, scopes: readonly string[]): Promise<void> {
  const ids = await scopeIdsByName(db, scopes);
  const unknown = scopes.filter((s) => !ids.has(s));
  if (unknown.length > 0) throw badRequest(`Scope ${unknown.join(', ')} does not exist`);
  await db.deleteFrom('user_scopes').where('user_id', '=', userId).execute();
  if (ids.size > 0) {
    await db
      .insertInto('user_scopes')
      .values([...ids.values()].map((scopeId) => ({ user_id: userId, scope_id: scopeId })))
      .execute();
  }
}

export async function userView(platform: Pick<UserDeps, 'db'>, row: UserRow, withApps: boolean): Promise<BackendUser> {
  const view: BackendUser = {
    id: row.id,
    roleId: row.role_id,
    status: row.status,
    name: row.name,
    scopes: await userScopes(platform.db, row.id, row.role_id),
    date: isoDate(row.created_at),
  };
  if (row.plan_id !== null) view.planId = row.plan_id;
  if (row.email !== null) view.email = row.email;
  if (row.points !== null) view.points = row.points;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  if (withApps) {
    const apps = await platform.db
      .selectFrom('apps')
      .select(['id', 'user_id', 'status', 'name', 'url', 'app_key', 'created_at'])
      .where('user_id', '=', row.id)
      .where('status', '!=', AppStatus.deleted)
      .orderBy('id', 'desc')
      .execute();
    view.apps = apps.map(
      (a): BackendApp => ({
        id: a.id,
        userId: a.user_id,
        status: a.status,
        name: a.name,
        url: a.url,
        appKey: a.app_key,
        date: isoDate(a.created_at),
      }),
    );
  }
  return view;
}
