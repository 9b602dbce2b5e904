import type { BackendPlan, ConsumerPlan } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { revokeTokensBeyondRights } from '../auth/rights.js';
import { scopeIdsByName } from '../auth/scopes.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type EntityRef, type Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Platform } from '../runtime/platform.js';
import { PlanPeriod, type PlanRow } from './tables.js';

const maxInt = 2_147_483_647;

export async function findPlan(db: Kysely<Database>, ref: EntityRef): Promise<PlanRow> {
  const query = db.selectFrom('plans').selectAll();
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where('name', '=', ref.name)
  ).executeTakeFirst();
  if (!row) throw notFound('Could not find plan');
  return row;
}

/** Minor units as the API shows a price: 999 → 9.99. */
export function priceOf(cents: number): number {
  return Math.round(cents) / 100;
}

export async function planScopes(db: Kysely<Database>, planId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('plan_scopes')
    .innerJoin('scopes', 'scopes.id', 'plan_scopes.scope_id')
    .select('scopes.name')
    .where('plan_scopes.plan_id', '=', planId)
    .orderBy('scopes.name')
    .execute();
  return rows.map((r) => r.name);
}

/** Fusio's backend view also shows `status: 1` on every plan that exists. */
export type BackendPlanView = BackendPlan & { status: number };

export function backendPlanView(row: PlanRow, scopes?: string[]): BackendPlanView {
  const view: BackendPlanView = {
    id: row.id,
    status: 1,
    name: row.name,
    description: row.description,
    price: priceOf(row.price),
    points: row.points,
    period: row.period_type ?? PlanPeriod.oneTime,
  };
  if (row.external_id !== null) view.externalId = row.external_id;
  if (scopes) view.scopes = scopes;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

export function consumerPlanView(row: PlanRow): ConsumerPlan {
  const view: ConsumerPlan = {
    id: row.id,
    name: row.name,
    description: row.description,
    price: priceOf(row.price),
    points: row.points,
    period: row.period_type ?? PlanPeriod.oneTime,
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

/** Plans cheapest first (Fusio's order), or by id when asked to sort by it. */
export async function listPlans<T>(
  db: Kysely<Database>,
  page: Paging,
  map: (row: PlanRow) => T,
): Promise<Collection<T>> {
  let base = db.selectFrom('plans');
  if (page.search) base = base.where(containsIgnoreCase('name', page.search));
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const direction = page.sortOrder ?? 'asc';
  const byId = page.sortBy === 'id';
  let rows = base.selectAll();
  rows = byId
    ? rows.orderBy('id', direction)
    : rows.orderBy('price', direction).orderBy('points', direction).orderBy('id', direction);
  const entries = await rows.limit(page.count).offset(page.startIndex).execute();
  return collection(Number(total.n), page, entries.map(map));
}

interface PlanFields {
  name: string;
  description: string;
  price: number;
  points: number;
  period_type: number;
  external_id: string | null;
  metadata: string | null;
}

function readFields(body: BackendPlan, existing: PlanRow | undefined): PlanFields {
  const name = body.name !== undefined ? body.name.trim() : existing?.name;
  if (name === undefined || name === '') throw badRequest('Plan name must not be empty');
  if (name.length > 64) throw badRequest('Plan name must have at most 64 characters');
  if (name.startsWith('~') || /\p{Cc}/u.test(name)) {
    throw badRequest('Plan name must not start with ~ or contain control characters');
  }
  const description = body.description ?? existing?.description ?? '';
  if (description.length > 512) throw badRequest('Plan description must have at most 512 characters');

  let price = existing?.price ?? 0;
  if (body.price !== undefined && body.price !== null) {
    if (typeof body.price !== 'number' || !Number.isFinite(body.price) || body.price < 0) {
      throw badRequest('Plan price must be a number of at least 0');
    }
    price = Math.round(body.price * 100);
    if (price > maxInt) throw badRequest('Plan price is too large');
  }
  let points = existing?.points ?? 0;
  if (body.points !== undefined && body.points !== null) {
    if (!Number.isInteger(body.points) || body.points < 0 || body.points > maxInt) {
      throw badRequest('Plan points must be a whole number of at least 0');
    }
    points = body.points;
  }
  let period = existing?.period_type ?? PlanPeriod.oneTime;
  if (body.period !== undefined && body.period !== null) {
    if (body.period !== PlanPeriod.oneTime && body.period !== PlanPeriod.subscription) {
      throw badRequest('Plan period must be 0 (one-time purchase) or 1 (subscription)');
    }
    period = body.period;
  }
  let externalId = existing?.external_id ?? null;
  if (body.externalId !== undefined) {
    if (body.externalId !== null && typeof body.externalId !== 'string') throw badRequest('Invalid external id');
    if (body.externalId && body.externalId.length > 255)
      throw badRequest('External id must have at most 255 characters');
    externalId = body.externalId ? body.externalId : null;
  }
  const metadata = body.metadata !== undefined ? JSON.stringify(body.metadata) : (existing?.metadata ?? null);
  return { name, description, price, points, period_type: period, external_id: externalId, metadata };
}

async function assertUniqueName(db: Kysely<Database>, name: string, exceptId?: number): Promise<void> {
  let query = db.selectFrom('plans').select('id').where('name', '=', name);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) throw conflict('Plan already exists');
}

async function setScopes(db: Kysely<Database>, planId: number, scopes: readonly string[]): Promise<void> {
  const wanted = [...new Set(scopes)];
  const ids = await scopeIdsByName(db, wanted);
  const unknown = wanted.filter((s) => !ids.has(s));
  if (unknown.length > 0) throw badRequest(`Scope ${unknown.join(', ')} does not exist`);
  await db.deleteFrom('plan_scopes').where('plan_id', '=', planId).execute();
  if (ids.size > 0) {
    await db
      .insertInto('plan_scopes')
      .values([...ids.values()].map((scopeId) => ({ plan_id: planId, scope_id: scopeId })))
      .execute();
  }
}

export async function createPlan(platform: Platform, body: BackendPlan): Promise<number> {
  const fields = readFields(body, undefined);
  await assertUniqueName(platform.db, fields.name);
  return platform.db.transaction().execute(async (trx) => {
    const id = await insertWithId(
      trx.insertInto('plans').values({ ...fields, updated_at: Date.now() }),
      platform.dialect,
    );
    if (body.scopes) await setScopes(trx, id, body.scopes);
    return id;
  });
}

export async function updatePlan(platform: Platform, ref: EntityRef, body: BackendPlan): Promise<number> {
  const existing = await findPlan(platform.db, ref);
  const fields = readFields(body, existing);
  if (fields.name !== existing.name) await assertUniqueName(platform.db, fields.name, existing.id);
  await platform.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('plans')
      .set({ ...fields, updated_at: Date.now() })
      .where('id', '=', existing.id)
      .execute();
    if (body.scopes !== undefined && body.scopes !== null) await setScopes(trx, existing.id, body.scopes);
  });
  if (body.scopes !== undefined && body.scopes !== null) {
    await revokeTokensBeyondRights(platform.db, platform.tokens, { planId: existing.id });
  }
  return existing.id;
}

/**
 * Deletes a plan nobody is on: a subscriber's next payment would otherwise find no plan to credit.
 * Transactions keep the plan's id as history.
 */
export async function deletePlan(platform: Platform, ref: EntityRef): Promise<number> {
  const existing = await findPlan(platform.db, ref);
  const subscriber = await platform.db
    .selectFrom('users')
    .select('id')
    .where('plan_id', '=', existing.id)
    .executeTakeFirst();
  if (subscriber) throw conflict('Plan is assigned to users; move them to another plan first');
  await platform.db.deleteFrom('plans').where('id', '=', existing.id).execute();
  return existing.id;
}
