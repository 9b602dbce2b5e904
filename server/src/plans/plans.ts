import type { ConsumerPlan } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { PlanPeriod, type PlanRow } from './tables.js';

/** Minor units as the API shows a price: 999 → 9.99. */
export function priceOf(cents: number): number {
  return Math.round(cents) / 100;
}

/** The names of the scopes a plan gives its users, sorted. */
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

/** A plan as developers see it (the consumer API, and inside their transactions). */
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
