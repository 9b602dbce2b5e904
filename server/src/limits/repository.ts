import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { durationMillis } from './duration.js';
import type { RateAllocationRow, RateRow } from './tables.js';

/** Which requests a rate applies to; an absent criterion matches anything. */
export interface RateAllocationInput {
  operationId?: number | null;
  userId?: number | null;
  planId?: number | null;
  appId?: number | null;
  authenticated?: boolean | null;
}

export interface RateInput {
  name?: string;
  priority?: number;
  rateLimit?: number;
  timespan?: string;
  allocation?: readonly RateAllocationInput[];
  metadata?: Record<string, string>;
}

/**
 * Rates: unique names, timespans the limiter can count in, allocations that name existing operations,
 * users and apps. A change announces 'rate', so every node's limiter rebuilds its table at once.
 */
export class RateRepository {
  readonly table = new EntityTable({
    table: 'rates',
    label: 'rate',
    // Fusio lists the rate that wins first: by priority, highest first
    order: (query, page) => {
      const direction = page.sortOrder ?? 'desc';
      return query.orderBy('priority', direction).orderBy('id', direction);
    },
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<RateRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: RateRow) => T) {
    return this.table.page(db, paging, map);
  }

  allocations(db: Kysely<Database>, rateId: number): Promise<RateAllocationRow[]> {
    return db.selectFrom('rate_allocations').selectAll().where('rate_id', '=', rateId).orderBy('id').execute();
  }

  async create(unit: Unit, input: RateInput & { name: string; rateLimit: number; timespan: string }): Promise<number> {
    assertTimespan(input.timespan);
    await this.table.assertNameFree(unit.db, input.name);
    const id = await insertWithId(
      unit.db.insertInto('rates').values({
        name: input.name,
        priority: input.priority ?? 0,
        rate_limit: input.rateLimit,
        timespan: input.timespan,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    await setAllocations(unit.db, id, input.allocation ?? []);
    unit.touched('rate');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: RateInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    if (input.timespan !== undefined) assertTimespan(input.timespan);
    const name = input.name ?? existing.name;
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    await unit.db
      .updateTable('rates')
      .set({
        name,
        priority: input.priority ?? existing.priority,
        rate_limit: input.rateLimit ?? existing.rate_limit,
        timespan: input.timespan ?? existing.timespan,
        metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
        updated_at: Math.max(Date.now(), existing.updated_at + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    // without `allocation` the allocations stay (Fusio would drop them all)
    if (input.allocation !== undefined) await setAllocations(unit.db, existing.id, input.allocation);
    unit.touched('rate');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await unit.db.deleteFrom('rate_allocations').where('rate_id', '=', existing.id).execute();
    await this.table.delete(unit.db, existing.id);
    unit.touched('rate');
    unit.target(existing.id);
    return existing.id;
  }
}

/** The limiter counts in one fixed window length, so the timespan must have one (duration.ts). */
function assertTimespan(timespan: string): void {
  if (durationMillis(timespan) === undefined) {
    throw badRequest('Timespan must be an ISO-8601 duration of at most ten years, e.g. PT1H, P1D or P1M');
  }
}

async function assertExisting(
  db: Kysely<Database>,
  table: 'operations' | 'users' | 'apps',
  label: string,
  ids: (number | null | undefined)[],
): Promise<void> {
  const wanted = [...new Set(ids.filter((v): v is number => typeof v === 'number'))];
  if (wanted.length === 0) return;
  const found = new Set((await db.selectFrom(table).select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
  const missing = wanted.filter((v) => !found.has(v));
  if (missing.length > 0) throw badRequest(`${label} ${missing.join(', ')} does not exist`);
}

/** Replaces a rate's allocations; the ids they name must exist (plans are taken as given). */
async function setAllocations(
  db: Kysely<Database>,
  rateId: number,
  allocations: readonly RateAllocationInput[],
): Promise<void> {
  await assertExisting(
    db,
    'operations',
    'Operation',
    allocations.map((a) => a.operationId),
  );
  await assertExisting(
    db,
    'users',
    'User',
    allocations.map((a) => a.userId),
  );
  await assertExisting(
    db,
    'apps',
    'App',
    allocations.map((a) => a.appId),
  );
  await db.deleteFrom('rate_allocations').where('rate_id', '=', rateId).execute();
  if (allocations.length === 0) return;
  await db
    .insertInto('rate_allocations')
    .values(
      allocations.map((a) => ({
        rate_id: rateId,
        operation_id: a.operationId ?? null,
        user_id: a.userId ?? null,
        plan_id: a.planId ?? null,
        app_id: a.appId ?? null,
        authenticated: a.authenticated === true ? 1 : a.authenticated === false ? 0 : null,
      })),
    )
    .execute();
}
