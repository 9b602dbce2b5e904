import type { Kysely } from 'kysely';
import type { RightsChange } from '../auth/rights.js';
import { assertMayGrantAdministrative, scopeIdsByName } from '../auth/scopes.js';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import { planScopes } from './plans.js';
import { PlanPeriod, type PlanRow } from './tables.js';

export interface PlanInput {
  name?: string;
  description?: string;
  /** in the currency's major unit (9.99); stored in minor units */
  price?: number | null;
  points?: number | null;
  period?: number | null;
  externalId?: string | null;
  scopes?: readonly string[] | null;
  metadata?: Record<string, string>;
}

export interface PlanRepositoryDeps {
  dialect: DialectName;
  /** after the commit: revokes the tokens that carry more than their holders may have now */
  revokeBeyondRights: (change: RightsChange) => Promise<unknown>;
}

/** Prices are stored as minor units in a 32-bit column. */
const maxInt = 2_147_483_647;

interface Columns {
  name: string;
  description: string;
  price: number;
  points: number;
  period_type: number;
  external_id: string | null;
  metadata: string | null;
}

/**
 * Plans: their names, prices in minor units, the scopes they give their users, none deleted while
 * somebody is on it. A token hands out only the administrative scopes it holds itself, and the users of a
 * plan whose scopes changed lose the tokens that carry more.
 */
export class PlanRepository {
  readonly table = new EntityTable({
    table: 'plans',
    label: 'plan',
    // cheapest first (Fusio's order), or by id when asked to sort by it
    order: (query, page) => {
      const direction = page.sortOrder ?? 'asc';
      return page.sortBy === 'id'
        ? query.orderBy('id', direction)
        : query.orderBy('price', direction).orderBy('points', direction).orderBy('id', direction);
    },
  });

  constructor(private readonly deps: PlanRepositoryDeps) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<PlanRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: PlanRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** The names of the scopes a plan gives, sorted. */
  scopes(db: Kysely<Database>, planId: number): Promise<string[]> {
    return planScopes(db, planId);
  }

  /** `grantor`: the scopes of the token that makes the change. */
  async create(unit: Unit, input: PlanInput, grantor: readonly string[]): Promise<number> {
    assertMayGrantAdministrative(grantor, input.scopes ?? []);
    const columns = merge(input, undefined);
    await this.table.assertNameFree(unit.db, columns.name);
    const id = await insertWithId(
      unit.db.insertInto('plans').values({ ...columns, updated_at: Date.now() }),
      this.deps.dialect,
    );
    if (input.scopes) await setScopes(unit.db, id, input.scopes);
    unit.touched('plan');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: PlanInput, grantor: readonly string[]): Promise<number> {
    assertMayGrantAdministrative(grantor, input.scopes ?? []);
    const existing = await this.find(unit.db, ref);
    const columns = merge(input, existing);
    if (columns.name !== existing.name) await this.table.assertNameFree(unit.db, columns.name, existing.id);
    await unit.db
      .updateTable('plans')
      .set({ ...columns, updated_at: Math.max(Date.now(), existing.updated_at + 1) })
      .where('id', '=', existing.id)
      .execute();
    if (input.scopes !== undefined && input.scopes !== null) {
      await setScopes(unit.db, existing.id, input.scopes);
      unit.afterCommit(async () => {
        await this.deps.revokeBeyondRights({ planId: existing.id });
      });
    }
    unit.touched('plan');
    unit.target(existing.id);
    return existing.id;
  }

  /**
   * Deletes a plan nobody is on: a subscriber's next payment would otherwise find no plan to credit.
   * Transactions keep the plan's id as history.
   */
  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const subscriber = await unit.db
      .selectFrom('users')
      .select('id')
      .where('plan_id', '=', existing.id)
      .executeTakeFirst();
    if (subscriber) throw conflict('Plan is assigned to users; move them to another plan first');
    await this.table.delete(unit.db, existing.id);
    unit.touched('plan');
    unit.target(existing.id);
    return existing.id;
  }
}

/** A create or update body over the existing row; the incoming schema has checked every field but the name. */
function merge(input: PlanInput, existing: PlanRow | undefined): Columns {
  // rules about the name as it is stored, trimmed: a schema cannot trim before it checks
  const name = input.name !== undefined ? input.name.trim() : existing?.name;
  if (name === undefined || name === '') throw badRequest('Plan name must not be empty');
  if (name.length > 64) throw badRequest('Plan name must have at most 64 characters');
  if (name.startsWith('~') || /\p{Cc}/u.test(name)) {
    throw badRequest('Plan name must not start with ~ or contain control characters');
  }
  let price = existing?.price ?? 0;
  if (input.price !== undefined && input.price !== null) {
    price = Math.round(input.price * 100);
    if (price > maxInt) throw badRequest('Plan price is too large');
  }
  const externalId = input.externalId !== undefined ? input.externalId || null : (existing?.external_id ?? null);
  return {
    name,
    description: input.description ?? existing?.description ?? '',
    price,
    points: input.points ?? existing?.points ?? 0,
    period_type: input.period ?? existing?.period_type ?? PlanPeriod.oneTime,
    external_id: externalId,
    metadata: input.metadata !== undefined ? JSON.stringify(input.metadata) : (existing?.metadata ?? null),
  };
}

/** Replaces the scopes a plan gives; each must exist. */
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
