import type { BackendApp, BackendToken } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { revokeTokensBeyondRights } from '../auth/rights.js';
import { appScopes, scopeIdsByName } from '../auth/scopes.js';
import { digest, newAppKey, newAppSecret } from '../auth/secrets.js';
import type { TokenService } from '../auth/tokens.js';
import type { ChangeOrigin, ChangeWriter, Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { type AppRow, AppStatus, type Database, TokenStatus } from '../db/schema.js';
import { isoDate, parseJsonColumn } from '../db/values.js';
import { badRequest, notFound } from '../errors.js';

/** What the app repository works with. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly changes: ChangeWriter;
  readonly tokens: TokenService;
}

export interface AppInput {
  userId?: number;
  status?: number;
  name?: string;
  url?: string;
  parameters?: string;
  scopes?: string[];
  metadata?: Record<string, string>;
}

const appName = /^[a-zA-Z0-9\-_. ]{3,64}$/;

function assertAppName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !appName.test(name)) {
    throw badRequest('Invalid app name: use 3 to 64 letters, digits, spaces, "-", "_" or "."');
  }
}

function assertUrl(url: unknown): void {
  if (url === undefined || url === '') return;
  if (typeof url !== 'string' || url.length > 255) throw badRequest('Invalid app url');
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:'].includes(parsed.protocol) && !parsed.protocol.endsWith(':')) throw new Error();
  } catch {
    throw badRequest('Invalid app url');
  }
}

export async function findApp(platform: Pick<AppDeps, 'db'>, ref: EntityRef, userId?: number): Promise<AppRow> {
  let query = platform.db.selectFrom('apps').selectAll().where('status', '!=', AppStatus.deleted);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find app');
  return row;
}

export interface CreatedApp {
  id: number;
  appKey: string;
  /** shown once; only its digest is stored */
  appSecret: string;
}

/** An app checked and with its key and secret made, ready to be written in a unit. */
export interface NewApp extends AppInput {
  readonly userId: number;
  readonly name: string;
  readonly appKey: string;
  /** shown once, in the create answer; only its digest is stored */
  readonly appSecret: string;
}

function changesOf(input: AppInput): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (input.name !== undefined) {
    assertAppName(input.name);
    changes.name = input.name;
  }
  if (input.url !== undefined) {
    assertUrl(input.url);
    changes.url = input.url;
  }
  if (input.status !== undefined) {
    if (![1, 2, 3].includes(input.status)) throw badRequest('App status must be one of: 1, 2, 3');
    changes.status = input.status;
  }
  if (input.parameters !== undefined) changes.parameters = input.parameters;
  if (input.metadata !== undefined) changes.metadata = JSON.stringify(input.metadata);
  return changes;
}

/**
 * Apps: a developer's credentials (key, secret digest) and the scopes they may ask for. Writes take a
 * unit; an app that is no longer active loses its tokens, and one whose scopes shrank the tokens that
 * carry more, once the change committed.
 */
export class AppRepository {
  readonly table = new EntityTable({
    table: 'apps',
    label: 'app',
    visible: (q) => q.where('status', '!=', AppStatus.deleted),
  });

  constructor(private readonly deps: AppDeps) {}

  /** `userId`: only an app of this user (the consumer API). */
  async find(db: Kysely<Database>, ref: EntityRef, userId?: number): Promise<AppRow> {
    const row = await this.table.get(db, ref);
    if (!row || (userId !== undefined && row.user_id !== userId)) throw notFound('Could not find app');
    return row;
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: AppRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** Checks a new app and makes its key and secret. */
  prepare(input: AppInput): NewApp {
    if (input.userId === undefined) throw badRequest('App user id must not be empty');
    assertAppName(input.name);
    assertUrl(input.url);
    return { ...input, userId: input.userId, name: input.name, appKey: newAppKey(), appSecret: newAppSecret() };
  }

  async create(unit: Unit, app: NewApp): Promise<number> {
    const user = await unit.db.selectFrom('users').select('id').where('id', '=', app.userId).executeTakeFirst();
    if (!user) throw badRequest('Provided user id does not exist');
    const id = await insertWithId(
      unit.db.insertInto('apps').values({
        user_id: app.userId,
        status: app.status ?? AppStatus.active,
        name: app.name,
        url: app.url ?? '',
        parameters: app.parameters ?? null,
        app_key: app.appKey,
        app_secret: digest(app.appSecret),
        metadata: app.metadata ? JSON.stringify(app.metadata) : null,
        created_at: Date.now(),
      }),
      this.deps.dialect,
    );
    await setAppScopes(unit.db, id, app.scopes ?? []);
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: AppInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const changes = changesOf(input);
    if (Object.keys(changes).length > 0)
      await unit.db.updateTable('apps').set(changes).where('id', '=', existing.id).execute();
    if (input.scopes !== undefined) await setAppScopes(unit.db, existing.id, input.scopes);
    const { db, tokens } = this.deps;
    if (changes.status !== undefined && changes.status !== AppStatus.active) {
      unit.afterCommit(async () => {
        await tokens.revokeWhere({ appId: existing.id });
      });
    } else if (input.scopes !== undefined) {
      // tokens issued with a scope the app no longer has must not keep it
      unit.afterCommit(async () => {
        await revokeTokensBeyondRights(db, tokens, { appId: existing.id });
      });
    }
    unit.target(existing.id);
    return existing.id;
  }

  /**
   * A new secret for an app whose secret was lost or leaked: the old one stops working at once and the
   * tokens the app holds are revoked once the change committed. The new secret is returned here only.
   */
  async regenerateSecret(unit: Unit, ref: EntityRef): Promise<{ id: number; appKey: string; appSecret: string }> {
    const existing = await this.find(unit.db, ref);
    const appSecret = newAppSecret();
    await unit.db
      .updateTable('apps')
      .set({ app_secret: digest(appSecret) })
      .where('id', '=', existing.id)
      .execute();
    const { tokens } = this.deps;
    unit.afterCommit(async () => {
      await tokens.revokeWhere({ appId: existing.id });
    });
    unit.target(existing.id);
    return { id: existing.id, appKey: existing.app_key, appSecret };
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    const { tokens } = this.deps;
    unit.afterCommit(async () => {
      await tokens.revokeWhere({ appId: existing.id });
    });
    unit.target(existing.id);
    return existing.id;
  }
}

/** Creates an app in a unit of its own (the consumer API, the portal's Developer app). */
export async function createApp(deps: AppDeps, input: AppInput, origin?: ChangeOrigin): Promise<CreatedApp> {
  const apps = new AppRepository(deps);
  const app = apps.prepare(input);
  const id = await deps.changes.write(origin, (unit) => apps.create(unit, app));
  return { id, appKey: app.appKey, appSecret: app.appSecret };
}

export interface AppChangeScope {
  /** only an app of this user (the consumer API) */
  userId?: number;
  origin?: ChangeOrigin;
}

export async function updateApp(
  deps: AppDeps,
  ref: EntityRef,
  input: AppInput,
  scope: AppChangeScope = {},
): Promise<number> {
  const apps = new AppRepository(deps);
  // an app never changes hands: whose it is can be checked before the unit
  const { id } = await apps.find(deps.db, ref, scope.userId);
  return deps.changes.write(scope.origin, (unit) => apps.update(unit, { id }, input));
}

/** A new secret for one of a user's apps, in a unit of its own (the consumer API). */
export async function regenerateAppSecret(deps: AppDeps, ref: EntityRef, scope: AppChangeScope = {}) {
  const apps = new AppRepository(deps);
  const { id } = await apps.find(deps.db, ref, scope.userId);
  return deps.changes.write(scope.origin, (unit) => apps.regenerateSecret(unit, { id }));
}

export async function deleteApp(deps: AppDeps, ref: EntityRef, scope: AppChangeScope = {}): Promise<number> {
  const apps = new AppRepository(deps);
  const { id } = await apps.find(deps.db, ref, scope.userId);
  return deps.changes.write(scope.origin, (unit) => apps.delete(unit, { id }));
}

async function setAppScopes(db: Kysely<Database>, appId: number, scopes: readonly string[]): Promise<void> {
  const ids = await scopeIdsByName(db, scopes);
  const unknown = scopes.filter((s) => !ids.has(s));
  if (unknown.length > 0) throw badRequest(`Scope ${unknown.join(', ')} does not exist`);
  await db.deleteFrom('app_scopes').where('app_id', '=', appId).execute();
  if (ids.size > 0) {
    await db
      .insertInto('app_scopes')
      .values([...ids.values()].map((scopeId) => ({ app_id: appId, scope_id: scopeId })))
      .execute();
  }
}

export async function appView(platform: Pick<AppDeps, 'db'>, row: AppRow, withTokens: boolean): Promise<BackendApp> {
  const view: BackendApp = {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    name: row.name,
    url: row.url,
    appKey: row.app_key,
    scopes: await appScopes(platform.db, row.id),
    date: isoDate(row.created_at),
  };
  if (row.parameters) view.parameters = row.parameters;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  if (withTokens) {
    const tokens = await platform.db
      .selectFrom('tokens')
      .selectAll()
      .where('app_id', '=', row.id)
      .where('status', '=', TokenStatus.active)
      .where('expire', '>', Date.now())
      .orderBy('id', 'desc')
      .limit(64)
      .execute();
    view.tokens = tokens.map(
      (t): BackendToken => ({
        id: t.id,
        status: t.status,
        name: t.name ?? '',
        scopes: t.scope ? t.scope.split(',') : [],
        ip: t.ip,
        expire: isoDate(t.expire),
        date: isoDate(t.created_at),
      }),
    );
  }
  return view;
}
