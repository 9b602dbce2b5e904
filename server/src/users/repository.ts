import type { BackendApp, BackendUser } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { revokeTokensBeyondRights } from '../auth/rights.js';
import { scopeIdsByName, userScopes } from '../auth/scopes.js';
import type { TokenService } from '../auth/tokens.js';
import type { ChangeOrigin, ChangeWriter, Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
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
  /** the user's balance of points (operations with costs take from it) */
  points?: number;
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

/** A user checked and with its password hashed, ready to be written in a unit. */
export interface NewUser {
  readonly roleId: number;
  readonly planId: number | null;
  readonly status: number;
  readonly name: string;
  readonly email: string;
  /** the scrypt hash */
  readonly password: string;
  readonly scopes: readonly string[];
  readonly metadata: Record<string, string> | undefined;
}

/**
 * Users: unique names and emails, an existing role, scopes that exist. Writes take a unit, so a backend
 * call's audit row commits with them; a demotion, a new plan or fewer scopes take effect at once: the
 * tokens that carry more than the user may have now are revoked after the commit.
 */
export class UserRepository {
  readonly table = new EntityTable({
    table: 'users',
    label: 'user',
    visible: (q) => q.where('status', '!=', UserStatus.deleted),
    searchColumns: ['name', 'email'],
  });

  constructor(private readonly deps: UserDeps) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<UserRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: UserRow) => T,
    narrow?: Parameters<EntityTable<'users'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  /** Checks a new user and hashes its password, before a unit opens (no hash holds a write lock). */
  async prepare(input: UserInput): Promise<NewUser> {
    if (input.roleId === undefined) throw badRequest('User role id must not be empty');
    assertUserName(input.name);
    assertEmail(input.email);
    assertPassword(this.deps, input.password);
    await assertRole(this.deps.db, input.roleId);
    await assertUnique(this.deps.db, 'name', input.name);
    await assertUnique(this.deps.db, 'email', input.email);
    return {
      roleId: input.roleId,
      planId: input.planId ?? null,
      status: input.status ?? UserStatus.active,
      name: input.name,
      email: input.email,
      password: await hashPassword(input.password),
      scopes: input.scopes ?? [],
      metadata: input.metadata,
    };
  }

  async create(unit: Unit, user: NewUser): Promise<number> {
    // checked again inside the unit: another request may have taken the name since `prepare`
    await assertUnique(unit.db, 'name', user.name);
    await assertUnique(unit.db, 'email', user.email);
    const id = await insertWithId(
      unit.db.insertInto('users').values({
        role_id: user.roleId,
        plan_id: user.planId,
        identity_id: null,
        status: user.status,
        remote_id: null,
        external_id: null,
        name: user.name,
        email: user.email,
        password: user.password,
        points: this.deps.settings.number('points_default') || null,
        metadata: user.metadata ? JSON.stringify(user.metadata) : null,
        created_at: Date.now(),
      }),
      this.deps.dialect,
    );
    await setUserScopes(unit.db, id, user.scopes);
    // the rate limiter knows each user's plan
    if (user.planId !== null) unit.touched('user');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: UserInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
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
    if (input.points !== undefined) changes.points = input.points;
    if (Object.keys(changes).length > 0)
      await unit.db.updateTable('users').set(changes).where('id', '=', existing.id).execute();
    if (input.scopes !== undefined) await setUserScopes(unit.db, existing.id, input.scopes);
    if (changes.plan_id !== undefined) unit.touched('user');
    const { db, tokens } = this.deps;
    if (changes.status !== undefined && changes.status !== UserStatus.active) {
      unit.afterCommit(async () => {
        await tokens.revokeWhere({ userId: existing.id });
      });
    } else if (changes.role_id !== undefined || changes.plan_id !== undefined || input.scopes !== undefined) {
      unit.afterCommit(async () => {
        await revokeTokensBeyondRights(db, tokens, { userId: existing.id });
      });
    }
    unit.target(existing.id);
    return existing.id;
  }

  /** A user goes with its apps; its tokens are revoked once that committed. */
  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await unit.db.deleteFrom('apps').where('user_id', '=', existing.id).execute();
    await unit.db.deleteFrom('users').where('id', '=', existing.id).execute();
    if (existing.plan_id !== null) unit.touched('user');
    const { tokens } = this.deps;
    unit.afterCommit(async () => {
      await tokens.revokeWhere({ userId: existing.id });
    });
    unit.target(existing.id);
    return existing.id;
  }
}

/** Creates a user in a unit of its own (sign-up, the CLI, the first administrator). */
export async function createUser(deps: UserDeps, input: UserInput, origin?: ChangeOrigin): Promise<number> {
  const users = new UserRepository(deps);
  const user = await users.prepare(input);
  return deps.changes.write(origin, (unit) => users.create(unit, user));
}

/** Changes a user in a unit of its own (the caller's own account). */
export async function updateUser(
  deps: UserDeps,
  ref: EntityRef,
  input: UserInput,
  origin?: ChangeOrigin,
): Promise<number> {
  return deps.changes.write(origin, (unit) => new UserRepository(deps).update(unit, ref, input));
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
