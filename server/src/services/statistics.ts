import type { BackendStatisticChart } from 'fusio-sdk';
import { sql } from 'kysely';
import { Category } from '../db/schema.js';
import type { Platform } from '../runtime/platform.js';

const day = 86_400_000;

export interface Range {
  from: number;
  to: number;
}

/** Defaults to the last 30 days, whole days in UTC. */
export function rangeOf(from: number | undefined, to: number | undefined): Range {
  const end = to ?? Date.now();
  const start = from ?? end - 29 * day;
  return { from: Math.floor(start / day) * day, to: end };
}

function dayLabels(range: Range): number[] {
  const days: number[] = [];
  for (let d = Math.floor(range.from / day); d <= Math.floor(range.to / day); d++) days.push(d);
  return days;
}

function label(dayNumber: number): string {
  return new Date(dayNumber * day).toISOString().slice(0, 10);
}

/** A count per day over the range; days without rows count 0. */
function perDay(range: Range, rows: { d: number | string; n: number | string }[], name: string): BackendStatisticChart {
  const counts = new Map(rows.map((r) => [Number(r.d), Number(r.n)]));
  const days = dayLabels(range);
  return { labels: days.map(label), series: [{ name, data: days.map((d) => counts.get(d) ?? 0) }] };
}

function ranking(rows: { label: string | null; n: number | string }[], name: string): BackendStatisticChart {
  return {
    labels: rows.map((r) => r.label ?? 'unknown'),
    series: [{ name, data: rows.map((r) => Math.round(Number(r.n) * 100) / 100) }],
  };
}

// a literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY
const dayOf = sql<number>`floor(${sql.ref('date')} / ${sql.lit(day)})`;

export async function incomingRequests(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('logs')
    .select([dayOf.as('d'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('category_id', '=', Category.default)
    .where('date', '>=', range.from)
    .where('date', '<=', range.to)
    .groupBy(dayOf)
    .execute();
  return perDay(range, rows, 'Requests');
}

export async function mostUsedOperations(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('logs')
    .innerJoin('operations', 'operations.id', 'logs.operation_id')
    .select(['operations.name as label', (eb) => eb.fn.countAll<number>().as('n')])
    .where('logs.category_id', '=', Category.default)
    .where('logs.date', '>=', range.from)
    .where('logs.date', '<=', range.to)
    .groupBy('operations.name')
    .orderBy('n', 'desc')
    .limit(10)
    .execute();
  return ranking(rows, 'Requests');
}

export async function errorsPerOperation(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('logs')
    .innerJoin('operations', 'operations.id', 'logs.operation_id')
    .select(['operations.name as label', (eb) => eb.fn.countAll<number>().as('n')])
    .where('logs.category_id', '=', Category.default)
    .where('logs.response_code', '>=', 500)
    .where('logs.date', '>=', range.from)
    .where('logs.date', '<=', range.to)
    .groupBy('operations.name')
    .orderBy('n', 'desc')
    .limit(10)
    .execute();
  return ranking(rows, 'Errors');
}

export async function timePerOperation(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('logs')
    .innerJoin('operations', 'operations.id', 'logs.operation_id')
    .select(['operations.name as label', (eb) => eb.fn.avg<number>('logs.execution_time').as('n')])
    .where('logs.category_id', '=', Category.default)
    .where('logs.date', '>=', range.from)
    .where('logs.date', '<=', range.to)
    .groupBy('operations.name')
    .orderBy('n', 'desc')
    .limit(10)
    .execute();
  return ranking(rows, 'Average time (ms)');
}

export async function userRegistrations(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const registered = sql<number>`floor(${sql.ref('created_at')} / ${sql.lit(day)})`;
  const rows = await platform.db
    .selectFrom('users')
    .select([registered.as('d'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', range.from)
    .where('created_at', '<=', range.to)
    .groupBy(registered)
    .execute();
  return perDay(range, rows, 'Registrations');
}

export async function mostUsedActivities(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('audits')
    .select(['event as label', (eb) => eb.fn.countAll<number>().as('n')])
    .where('date', '>=', range.from)
    .where('date', '<=', range.to)
    .groupBy('event')
    .orderBy('n', 'desc')
    .limit(10)
    .execute();
  return ranking(rows, 'Changes');
}

export async function activitiesPerUser(platform: Platform, range: Range): Promise<BackendStatisticChart> {
  const rows = await platform.db
    .selectFrom('audits')
    .innerJoin('users', 'users.id', 'audits.user_id')
    .select(['users.name as label', (eb) => eb.fn.countAll<number>().as('n')])
    .where('audits.date', '>=', range.from)
    .where('audits.date', '<=', range.to)
    .groupBy('users.name')
    .orderBy('n', 'desc')
    .limit(10)
    .execute();
  return ranking(rows, 'Changes');
}
