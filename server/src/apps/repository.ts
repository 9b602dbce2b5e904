import type { BackendApp, BackendToken } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { revokeTokensBeyondRights } from '../auth/rights.js';
import { appScopes, scopeIdsByName } from '../auth/scopes.js';
import { digest, newAppKey, newAppSecret } from '../auth/secrets.js';
import type { TokenService } from '../auth/tokens.js';
import type { ChangeOrigin, ChangeWriter } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef } from '../db/listing.js';
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

async function findIn(db: Kysely<Database>, id: number): Promise<AppRow> {
  const row = await db
    .selectFrom('apps')
    .selectAll()
    .where('id', '=', id)
    .where('status', '!=', AppStatus.deleted)
    .executeTakeFirst();
  if (!row) throw notFound('Could not find app');
  return row;
}

/** Creates an app in one unit: the row, its scopes and — for a backend call — its audit row. */
export async function createApp(platform: AppDeps, input: AppInput, origin?: ChangeOrigin): Promise<CreatedApp> {
  if (input.userId === undefined) throw badRequest('App user id must not be empty');
  assertAppName(input.name);
  assertUrl(input.url);
  const { userId, name } = input;
  const appKey = newAppKey();
  const appSecret = newAppSecret();
  const id = await platform.changes.write(origin, async (unit) => {
    const user = await unit.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) throw badRequest('Provided user id does not exist');
    const id = await insertWithId(
      unit.db.insertInto('apps').values({
        user_id: userId,
        status: input.status ?? AppStatus.active,
        name,
        url: input.url ?? '',
        parameters: input.parameters ?? null,
        app_key: appKey,
        app_secret: digest(appSecret),
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        created_at: Date.now(),
      }),
      platform.dialect,
    );
    await setAppScopes(unit.db, id, input.scopes ?? []);
    unit.target(id);
    return id;
  });
  return { id, appKey, appSecret };
}

export interface AppChangeScope {
  /** only an app of this user (the consumer API) */
  userId?: number;
  /** the backend call that owes an audit row */
  origin?: ChangeOrigin;
}

/**
 * Changes an app in one unit. An app that is no longer active loses its tokens, and one whose scopes
 * shrank loses the tokens that carry more, once the change committed.
 */
export async function updateApp(
  platform: AppDeps,
  ref: EntityRef,
  input: AppInput,
  scope: AppChangeScope = {},
): Promise<number> {
  const { id } = await findApp(platform, ref, scope.userId);
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
  return platform.changes.write(scope.origin, async (unit) => {
    const existing = await findIn(unit.db, id);
    if (Object.keys(changes).length > 0)
      await unit.db.updateTable('apps').set(changes).where('id', '=', existing.id).execute();
    if (input.scopes !== undefined) await setAppScopes(unit.db, existing.id, input.scopes);
    if (changes.status !== undefined && changes.status !== AppStatus.active) {
      unit.afterCommit(async () => {
        await platform.tokens.revokeWhere({ appId: existing.id });
      });
    } else if (input.scopes !== undefined) {
      // tokens issued with a scope the app no longer has must not keep it
      unit.afterCommit(async () => {
        await revokeTokensBeyondRights(platform.db, platform.tokens, { appId: existing.id });
      });
    }
    unit.target(existing.id);
    return existing.id;
  });
}

/** Deletes an app in one unit; its tokens are revoked once that committed. */
export async function deleteApp(platform: AppDeps, ref: EntityRef, scope: AppChangeScope = {}): Promise<number> {
  const { id } = await findApp(platform, ref, scope.userId);
  return platform.changes.write(scope.origin, async (unit) => {
    const existing = await findIn(unit.db, id);
    await unit.db.deleteFrom('apps').where('id', '=', existing.id).execute();
    unit.afterCommit(async () => {
      await platform.tokens.revokeWhere({ appId: existing.id });
    });
    unit.target(existing.id);
    return existing.id;
  });
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
