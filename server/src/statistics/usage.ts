import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { DialectName } from '../db/database.js';
import { type Database, platformCategoryIds } from '../db/schema.js';
import { badRequest } from '../errors.js';

const day = 86_400_000;
/** the longest range one request may ask for, in days */
export const maxUsageDays = 366;
const topOperations = 10;
const statusClasses = ['2xx', '3xx', '4xx', '5xx'] as const;

/** Whole UTC days, both ends included, as day numbers (days since 1970-01-01). */
export interface UsageRange {
  readonly firstDay: number;
  readonly lastDay: number;
}

function parseDay(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const millis = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls 2026-02-30 over to March: only a date that reads back the same is a date
  if (Number.isNaN(millis) || new Date(millis).toISOString().slice(0, 10) !== value) {
    throw badRequest(`Query parameter "${name}" must be a date as YYYY-MM-DD, e.g. 2026-11-28`);
  }
  return millis / day;
}

/** `from`/`to` of /consumer/usage: the last 30 days by default, at most 366 days, `from` not after `to`. */
export function usageRange(from: string | undefined, to: string | undefined, now = Date.now()): UsageRange {
  const today = Math.floor(now / day);
  const lastDay = parseDay('to', to) ?? today;
  const firstDay = parseDay('from', from) ?? lastDay - 29;
  if (firstDay > lastDay) throw badRequest('Query parameter "from" must not be after "to"');
  if (lastDay - firstDay + 1 > maxUsageDays) {
    throw badRequest(`A usage range may cover at most ${maxUsageDays} days`);
  }
  return { firstDay, lastDay };
}

export interface UsageSeries {
  name: string;
  counts: number[];
}

export interface OperationUsage extends UsageSeries {
  /** absent for the entry that sums up the operations beyond the top ten ("other") */
  operationId?: number;
  total: number;
}

/** The answer of GET /consumer/usage. */
export interface Usage {
  from: string;
  to: string;
  days: string[];
  byStatus: UsageSeries[];
  byOperation: OperationUsage[];
  total: number;
}

export interface UsageSource {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
}

function intDiv(dialect: DialectName, column: string, by: number) {
  // literals, not parameters: the same expression must appear in SELECT and GROUP BY
  return dialect === 'mysql'
    ? sql<number>`(${sql.ref(column)} div ${sql.lit(by)})`
    : sql<number>`(${sql.ref(column)} / ${sql.lit(by)})`;
}

const isoDay = (d: number) => new Date(d * day).toISOString().slice(0, 10);

/**
 * A developer's calls to the API per day, by status class and by operation: the calls they made and the
 * calls made through their apps (as /consumer/log shows them), or only those through one of their apps.
 * One grouping query over the logs' covering index (category, date, operation, app, user, status): it
 * reads index entries of the date range only, never the wide log rows.
 */
export async function developerUsage(
  source: UsageSource,
  who: { userId: number; appId?: number | undefined },
  range: UsageRange,
): Promise<Usage> {
  const { db, dialect } = source;
  const d = intDiv(dialect, 'logs.date', day);
  const s = intDiv(dialect, 'logs.response_code', 100);
  // the developer's few app ids as a list: a subquery inside OR is run per log row by MariaDB
  const appIds =
    who.appId !== undefined
      ? []
      : (await db.selectFrom('apps').select('id').where('user_id', '=', who.userId).execute()).map((a) => a.id);
  const rows = await db
    .selectFrom('logs')
    .where((eb: ExpressionBuilder<Database, 'logs'>) => {
      const own =
        who.appId !== undefined
          ? eb('logs.app_id', '=', who.appId)
          : appIds.length === 0
            ? eb('logs.user_id', '=', who.userId)
            : eb.or([eb('logs.user_id', '=', who.userId), eb('logs.app_id', 'in', appIds)]);
      return eb.and([
        eb('logs.category_id', 'not in', platformCategoryIds),
        eb('logs.date', '>=', range.firstDay * day),
        eb('logs.date', '<', (range.lastDay + 1) * day),
        own,
      ]);
    })
    .select([d.as('d'), s.as('s'), 'logs.operation_id as o', sql<number>`count(*)`.as('n')])
    .groupBy([d, s, 'logs.operation_id'])
    .execute();

  const length = range.lastDay - range.firstDay + 1;
  const empty = () => new Array<number>(length).fill(0);
  const byStatus = new Map<string, number[]>(statusClasses.map((c) => [c, empty()]));
  const perOperation = new Map<number | null, { counts: number[]; total: number }>();
  let total = 0;
  for (const row of rows) {
    const i = Number(row.d) - range.firstDay;
    const n = Number(row.n);
    if (i < 0 || i >= length) continue;
    total += n;
    const status = byStatus.get(`${Number(row.s)}xx`);
    if (status) status[i] = (status[i] ?? 0) + n;
    const key = row.o === null ? null : Number(row.o);
    let op = perOperation.get(key);
    if (!op) {
      op = { counts: empty(), total: 0 };
      perOperation.set(key, op);
    }
    op.counts[i] = (op.counts[i] ?? 0) + n;
    op.total += n;
  }

  const ids = [...perOperation.keys()].filter((k): k is number => k !== null);
  const names = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .selectFrom('operations')
      .select(['id', 'name'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of found) names.set(r.id, r.name);
  }
  const ranked: OperationUsage[] = ids
    .map((id) => {
      const op = perOperation.get(id) as { counts: number[]; total: number };
      // an operation deleted since: its calls still count, under its id
      return { operationId: id, name: names.get(id) ?? `#${id}`, counts: op.counts, total: op.total };
    })
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const byOperation = ranked.slice(0, topOperations);
  const rest = ranked.slice(topOperations);
  const unnamed = perOperation.get(null);
  if (rest.length > 0 || unnamed) {
    const other = { name: 'other', counts: empty(), total: 0 };
    for (const op of [...rest, ...(unnamed ? [unnamed] : [])]) {
      op.counts.forEach((n, i) => {
        other.counts[i] = (other.counts[i] ?? 0) + n;
      });
      other.total += op.total;
    }
    byOperation.push(other);
  }

  const days: string[] = [];
  for (let x = range.firstDay; x <= range.lastDay; x++) days.push(isoDay(x));
  return {
    from: isoDay(range.firstDay),
    to: isoDay(range.lastDay),
    days,
    byStatus: statusClasses.map((name) => ({ name, counts: byStatus.get(name) as number[] })),
    byOperation,
    total,
  };
}
