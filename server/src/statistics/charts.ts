import type { BackendStatisticChart, BackendStatisticCount } from 'fusio-sdk';
import { type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../db/database.js';
import { containsIgnoreCase } from '../db/listing.js';
import { Category, type Database } from '../db/schema.js';
import { queryDate, queryInt, queryString } from '../http/query.js';
import '../plans/tables.js';

/**
 * Fusio's usage statistics (Backend/View/Statistic), computed by aggregation in the system database: a
 * chart is either one series of values per day, or the top six of something (operations, apps, users,
 * IPs, events) with one series per day each. Every query reads one date range of one table through an
 * index that starts with the date (see migration 2026-11-28i-plans and bench/statistics).
 */

const day = 86_400_000;
const topSeries = 6;

/** What a statistic reads from: the system database. */
export interface StatisticsSource {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
}

/** Whole UTC days: `from` is the start of the first day, `to` the end of the last (exclusive). */
export interface StatisticRange {
  readonly from: number;
  readonly to: number;
  readonly firstDay: number;
  readonly lastDay: number;
}

/** The query parameters of fusio-sdk's BackendStatisticTag (a log filter), plus planId for transactions. */
export interface StatisticFilter {
  readonly range: StatisticRange;
  readonly search?: string | undefined;
  /** the category of the operations called (Portico's addition; `default` when absent) */
  readonly categoryId?: number | undefined;
  readonly operationId?: number | undefined;
  readonly appId?: number | undefined;
  readonly userId?: number | undefined;
  readonly planId?: number | undefined;
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  readonly header?: string | undefined;
  readonly body?: string | undefined;
}

/** One calendar month later (UTC), the 31st becoming the last day of a shorter month. */
function monthsLater(millis: number, months: number): number {
  const d = new Date(millis);
  const dayOfMonth = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(dayOfMonth, last));
  return d.getTime();
}

/**
 * The days a statistic covers: by default the last 30 days up to today; a reversed range is swapped, and
 * a range longer than 56 days ends two months after it starts (as Fusio's DateQueryFilter does).
 */
export function statisticRange(from: number | undefined, to: number | undefined, now = Date.now()): StatisticRange {
  let end = to ?? now;
  let start = from ?? end - 29 * day;
  if (start > end) [start, end] = [end, start];
  if (end - start > 56 * day) end = monthsLater(start, 2);
  const firstDay = Math.floor(start / day);
  const lastDay = Math.floor(end / day);
  return { from: firstDay * day, to: (lastDay + 1) * day, firstDay, lastDay };
}

type Query = Readonly<Record<string, string | string[] | undefined>>;
const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ipPattern = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)$/;

/**
 * Reads the SDK's parameters. Like Fusio, `search` is a comma-separated list whose parts say what they
 * filter: an IP, a path (starts with /), a method, a header (`Name: value`), or else the body.
 */
export function statisticFilter(query: Query, now = Date.now()): StatisticFilter {
  const filter: {
    -readonly [K in keyof StatisticFilter]: StatisticFilter[K];
  } = {
    range: statisticRange(queryDate(query, 'from'), queryDate(query, 'to'), now),
    search: queryString(query, 'search'),
    categoryId: queryInt(query, 'categoryId'),
    operationId: queryInt(query, 'operationId'),
    appId: queryInt(query, 'appId'),
    userId: queryInt(query, 'userId'),
    planId: queryInt(query, 'planId'),
    ip: queryString(query, 'ip'),
    userAgent: queryString(query, 'userAgent'),
    method: queryString(query, 'method')?.toUpperCase(),
    path: queryString(query, 'path'),
    header: queryString(query, 'header'),
    body: queryString(query, 'body'),
  };
  return filter;
}

/** The log filter with Fusio's reading of `search` applied. */
function logFilter(filter: StatisticFilter): StatisticFilter {
  if (!filter.search) return filter;
  const out = { ...filter, search: undefined };
  for (const raw of filter.search.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    if (ipPattern.test(part)) out.ip = part;
    else if (part.startsWith('/')) out.path = part;
    else if (methods.has(part)) out.method = part;
    else if (/^[A-Za-z-]+: .*$/.test(part)) out.header = part;
    else out.body = part;
  }
  return out;
}

function startsWith(column: string, prefix: string) {
  const escaped = prefix.replace(/[!%_]/g, (c) => `!${c}`);
  return sql<boolean>`${sql.ref(column)} like ${`${escaped}%`} escape '!'`;
}

/** The day number (days since 1970-01-01 UTC) of an epoch-milliseconds column; integer division. */
function dayOf(source: StatisticsSource, column: string): RawBuilder<number> {
  // a literal, not a parameter: the same expression must appear in SELECT and GROUP BY
  return source.dialect === 'mysql'
    ? sql<number>`(${sql.ref(column)} div ${sql.lit(day)})`
    : sql<number>`(${sql.ref(column)} / ${sql.lit(day)})`;
}

function days(range: StatisticRange): number[] {
  const out: number[] = [];
  for (let d = range.firstDay; d <= range.lastDay; d++) out.push(d);
  return out;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Fusio's labels: the weekday for ranges shorter than four weeks, else the date. */
export function dayLabels(range: StatisticRange): string[] {
  const short = range.lastDay - range.firstDay < 28;
  return days(range).map((d) => {
    const date = new Date(d * day);
    return short ? (weekdays[date.getUTCDay()] as string) : date.toISOString().slice(0, 10);
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

type DayRow = { d: number | string; v: number | string | null };

/** One series: a value per day of the range, 0 for days without rows. */
function perDay(range: StatisticRange, rows: DayRow[], name: string, scale = 1): BackendStatisticChart {
  const values = new Map(rows.map((r) => [Number(r.d), Number(r.v ?? 0)]));
  return {
    labels: dayLabels(range),
    series: [{ name, data: days(range).map((d) => round((values.get(d) ?? 0) * scale)) }],
  };
}

type KeyedDayRow = { k: number | string | null; d: number | string; v: number | string | null };

/** A series per key (in the order of `top`), each a value per day of the range. */
function perKeyPerDay(
  range: StatisticRange,
  top: { k: number | string; label: string }[],
  rows: KeyedDayRow[],
): BackendStatisticChart {
  const values = new Map<string, number>();
  for (const r of rows) values.set(`${r.k}|${Number(r.d)}`, Number(r.v ?? 0));
  const all = days(range);
  return {
    labels: dayLabels(range),
    series: top.map((t) => ({ name: t.label, data: all.map((d) => round(values.get(`${t.k}|${d}`) ?? 0)) })),
  };
}

/** The request-log conditions: API calls (not the platform's own) in the range, with the SDK's filters. */
function logConditions(filter: StatisticFilter) {
  const f = logFilter(filter);
  return (eb: ExpressionBuilder<Database, 'logs'>) => {
    const and: Expression<SqlBool>[] = [
      eb('logs.category_id', '=', f.categoryId ?? Category.default),
      eb('logs.date', '>=', f.range.from),
      eb('logs.date', '<', f.range.to),
    ];
    if (f.operationId !== undefined) and.push(eb('logs.operation_id', '=', f.operationId));
    if (f.appId !== undefined) and.push(eb('logs.app_id', '=', f.appId));
    if (f.userId !== undefined) and.push(eb('logs.user_id', '=', f.userId));
    if (f.ip) and.push(eb('logs.ip', '=', f.ip));
    if (f.method) and.push(eb('logs.method', '=', f.method));
    if (f.userAgent) and.push(containsIgnoreCase('logs.user_agent', f.userAgent));
    if (f.path) and.push(startsWith('logs.path', f.path));
    if (f.header) and.push(containsIgnoreCase('logs.header', f.header));
    if (f.body) and.push(containsIgnoreCase('logs.body', f.body));
    return eb.and(and);
  };
}

function logs(source: StatisticsSource, filter: StatisticFilter) {
  return source.db.selectFrom('logs').where(logConditions(filter));
}

const count = sql<number>`count(*)`;

/** A chart of one value per day over one table, in the shape every daily statistic shares. */
interface DailySpec {
  readonly name: string;
  /** the table and its time column; `logs` takes the whole log filter */
  readonly table: 'logs' | 'tokens' | 'users' | 'plan_usages' | 'transactions';
  readonly date: string;
  /** which filter parameters narrow it, and to which column */
  readonly by?: Partial<Record<'appId' | 'userId' | 'operationId' | 'planId' | 'ip', string>>;
  /** the column `search` looks in */
  readonly search?: string;
  /** what a day's value is: the rows counted, or a column summed or averaged (rows without it left out) */
  readonly value: 'count' | { readonly sum: string } | { readonly avg: string };
  /** a factor for the values: amounts are stored in cents */
  readonly scale?: number;
}

async function daily(source: StatisticsSource, filter: StatisticFilter, spec: DailySpec) {
  const d = dayOf(source, spec.date);
  // biome-ignore lint/suspicious/noExplicitAny: the table comes from the spec; the columns are checked there
  const db = source.db as Kysely<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  let q: any =
    spec.table === 'logs'
      ? logs(source, filter)
      : db.selectFrom(spec.table).where(spec.date, '>=', filter.range.from).where(spec.date, '<', filter.range.to);
  for (const [param, column] of Object.entries(spec.by ?? {})) {
    const value = filter[param as keyof StatisticFilter];
    if (value !== undefined && value !== '') q = q.where(column, '=', value);
  }
  if (spec.search && filter.search) q = q.where(containsIgnoreCase(spec.search, filter.search));
  const v =
    spec.value === 'count'
      ? count
      : 'sum' in spec.value
        ? sql<number>`sum(${sql.ref(spec.value.sum)})`
        : sql<number>`avg(${sql.ref(spec.value.avg)})`;
  if (spec.value !== 'count' && 'avg' in spec.value) q = q.where(spec.value.avg, 'is not', null);
  const rows = (await q
    .select([d.as('d'), v.as('v')])
    .groupBy(d)
    .execute()) as DayRow[];
  return perDay(filter.range, rows, spec.name, spec.scale);
}

export async function countRequests(source: StatisticsSource, filter: StatisticFilter): Promise<BackendStatisticCount> {
  const row = await logs(source, filter).select(count.as('n')).executeTakeFirstOrThrow();
  return {
    count: Number(row.n),
    from: new Date(filter.range.from).toISOString(),
    to: new Date(filter.range.to - 1).toISOString(),
  };
}

type Grouped = { k: number | string; label: string; n: number | string; total: number | string | null };
type GroupedDay = Grouped & { d: number | string; c: number | string; t: number | string | null };

/**
 * The top six keys of a chart and their values per day, in one pass over the rows: `perDay` groups the rows
 * by key and day (k, d, c = count, t = summed time); the top keys are picked from those groups (by count or
 * by total time, then by label) and only their groups come back.
 */
async function topPerDay(
  source: StatisticsSource,
  range: StatisticRange,
  perDay: Expression<unknown>,
  spec: {
    names: 'operations' | 'apps' | 'users' | null;
    order: 'count' | 'time';
    value: 'count' | 'avg';
    suffix?: string;
  },
): Promise<BackendStatisticChart> {
  const label = spec.names ? sql`x.name` : sql`p.k`;
  const join = spec.names ? sql`inner join ${sql.table(spec.names)} x on x.id = p.k` : sql``;
  const groupBy = spec.names ? sql`p.k, x.name` : sql`p.k`;
  const order = spec.order === 'time' ? sql`total` : sql`n`;
  const result = await sql<GroupedDay>`
    with per_day as ${perDay},
    top as (
      select p.k as k, ${label} as label, sum(p.c) as n, sum(p.t) as total
      from per_day p ${join}
      group by ${groupBy}
      order by ${order} desc, label asc
      limit ${sql.lit(topSeries)}
    )
    select p.k as k, top.label as label, top.n as n, top.total as total, p.d as d, p.c as c, p.t as t
    from per_day p inner join top on top.k = p.k`.execute(source.db);
  const keys = new Map<string, Grouped>();
  for (const row of result.rows) keys.set(String(row.k), row);
  const metric = (g: Grouped) => Number(spec.order === 'time' ? g.total : g.n);
  const top = [...keys.values()].sort(
    (a, b) => metric(b) - metric(a) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
  const rows: KeyedDayRow[] = result.rows.map((r) => ({
    k: String(r.k),
    d: r.d,
    v: spec.value === 'avg' ? Number(r.t ?? 0) / Math.max(Number(r.c), 1) : r.c,
  }));
  return perKeyPerDay(
    range,
    top.map((t) => ({ k: String(t.k), label: `${t.label}${spec.suffix ?? ''}` })),
    rows,
  );
}

/** Groups request logs by a key and day for `topPerDay`. */
function logsPerDay(
  source: StatisticsSource,
  filter: StatisticFilter,
  key: 'logs.operation_id',
  narrow: { errorsOnly?: boolean; timed?: boolean } = {},
) {
  const d = dayOf(source, 'logs.date');
  let q = logs(source, filter).where(key, 'is not', null);
  if (narrow.errorsOnly) q = q.where('logs.response_code', '>=', 500);
  if (narrow.timed) q = q.where('logs.execution_time', 'is not', null);
  return q
    .select([
      sql.ref(key).as('k'),
      d.as('d'),
      count.as('c'),
      sql<number>`sum(${sql.ref('logs.execution_time')})`.as('t'),
    ])
    .groupBy([key, d]);
}

/**
 * The top six of a key with many values (apps, users, IPs) and their requests per day, in two steps: a
 * one-pass grouping by key and day would build a group for every value and day, while ranking the values
 * first and then grouping only the top six by day stays small.
 */
async function topManyPerDay(
  source: StatisticsSource,
  filter: StatisticFilter,
  key: 'logs.app_id' | 'logs.user_id' | 'logs.ip',
  names: 'apps' | 'users' | null,
  status?: number,
): Promise<BackendStatisticChart> {
  const base = () => {
    const q = logs(source, filter).where(key, 'is not', null);
    return status === undefined ? q : q.where('logs.response_code', '=', status);
  };
  let top: { k: number | string; label: string }[];
  if (names) {
    // count per key first, then name the few thousand groups: cheaper than joining every row
    const counted = base()
      .select([sql.ref(key).as('k'), count.as('n')])
      .groupBy(key)
      .as('g');
    const rows = await source.db
      .selectFrom(counted)
      // apps and users both have id and name; the type names one of them
      .innerJoin(`${names} as x` as 'users as x', 'x.id', 'g.k')
      .select(['g.k as k', 'x.name as label', 'g.n as n'])
      .orderBy('g.n', 'desc')
      .orderBy('x.name')
      .limit(topSeries)
      .execute();
    top = rows.map((r) => ({ k: r.k as number, label: r.label }));
  } else {
    const rows = await base()
      .select([sql.ref(key).as('k'), count.as('n')])
      .groupBy(key)
      .orderBy('n', 'desc')
      .orderBy(key)
      .limit(topSeries)
      .execute();
    top = rows.map((r) => ({ k: r.k as string, label: String(r.k) }));
  }
  if (top.length === 0) return perKeyPerDay(filter.range, [], []);
  const d = dayOf(source, 'logs.date');
  const rows = await base()
    .where(
      sql.ref(key),
      'in',
      top.map((t) => t.k),
    )
    .select([sql.ref(key).as('k'), d.as('d'), count.as('v')])
    .groupBy([key, d])
    .execute();
  return perKeyPerDay(
    filter.range,
    top.map((t) => ({ k: String(t.k), label: t.label })),
    rows.map((r) => ({ k: String(r.k), d: r.d, v: r.v })),
  );
}

/** Audits (backend changes) in the range; `search` looks in the message, as Fusio's audit filter does. */
function audits(source: StatisticsSource, filter: StatisticFilter) {
  let q = source.db
    .selectFrom('audits')
    .where('audits.date', '>=', filter.range.from)
    .where('audits.date', '<', filter.range.to);
  if (filter.userId !== undefined) q = q.where('audits.user_id', '=', filter.userId);
  if (filter.appId !== undefined) q = q.where('audits.app_id', '=', filter.appId);
  if (filter.ip) q = q.where('audits.ip', '=', filter.ip);
  if (filter.search) q = q.where(containsIgnoreCase('audits.message', filter.search));
  return q;
}

function auditsPerDay(source: StatisticsSource, filter: StatisticFilter, key: 'audits.event' | 'audits.user_id') {
  const d = dayOf(source, 'audits.date');
  return audits(source, filter)
    .where(key, 'is not', null)
    .select([sql.ref(key).as('k'), d.as('d'), count.as('c'), sql<number>`0`.as('t')])
    .groupBy([key, d]);
}

/**
 * Fusio charts the results of its operation tests by status. Portico has no operation tests, so there
 * is nothing to count: the chart shows each status with 0 tests.
 */
/** The stored tests (operation-tests/) by their last result, as Fusio counts them. */
export async function testCoverage(source: StatisticsSource, filter?: StatisticFilter): Promise<BackendStatisticChart> {
  let query = source.db
    .selectFrom('tests')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status');
  if (filter?.categoryId !== undefined) query = query.where('category_id', '=', filter.categoryId);
  const counts = new Map((await query.execute()).map((r) => [Number(r.status), Number(r.n)]));
  // Fusio's numbers: 1 pending, 2 success, 3 warning, 4 error
  return {
    labels: ['Pending', 'Success', 'Warning', 'Error'],
    series: [{ name: 'Tests', data: [1, 2, 3, 4].map((status) => counts.get(status) ?? 0) }],
  };
}

/**
 * Portico's addition: the requests of each day by how they were answered, so an error rate and the
 * rate-limited calls can be read off beside the successes. 429 is counted apart from the other 4xx.
 */
export async function responseClasses(
  source: StatisticsSource,
  filter: StatisticFilter,
): Promise<BackendStatisticChart> {
  const d = dayOf(source, 'logs.date');
  const code = sql.ref('logs.response_code');
  const klass = sql<string>`case when ${code} = 429 then '429' when ${code} >= 500 then '5xx' when ${code} >= 400 then '4xx' else 'ok' end`;
  const rows = await logs(source, filter)
    .select([klass.as('k'), d.as('d'), count.as('v')])
    .groupBy([klass, d])
    .execute();
  return perKeyPerDay(
    filter.range,
    [
      { k: 'ok', label: 'Answered (2xx/3xx)' },
      { k: '4xx', label: 'Client errors (4xx)' },
      { k: '429', label: 'Rate limited (429)' },
      { k: '5xx', label: 'Server errors (5xx)' },
    ],
    rows.map((r) => ({ k: String(r.k), d: r.d, v: r.v })),
  );
}

const latencyOperations = 10;

/**
 * Portico's addition: the median and 95th percentile of the execution time of the most called operations
 * in the range (labels are the operations, one series per percentile, in ms). The nearest-rank percentile
 * is picked with window functions, which SQLite, PostgreSQL and MariaDB all have.
 */
export async function latencyPerOperation(
  source: StatisticsSource,
  filter: StatisticFilter,
): Promise<BackendStatisticChart> {
  const top = await logs(source, filter)
    .where('logs.operation_id', 'is not', null)
    .where('logs.execution_time', 'is not', null)
    .innerJoin('operations', 'operations.id', 'logs.operation_id')
    .select(['logs.operation_id as k', 'operations.name as label', count.as('n')])
    .groupBy(['logs.operation_id', 'operations.name'])
    .orderBy('n', 'desc')
    .orderBy('operations.name')
    .limit(latencyOperations)
    .execute();
  if (top.length === 0)
    return {
      labels: [],
      series: [
        { name: 'p50 (ms)', data: [] },
        { name: 'p95 (ms)', data: [] },
      ],
    };
  const ranked = logs(source, filter)
    .where(
      'logs.operation_id',
      'in',
      top.map((t) => Number(t.k)),
    )
    .where('logs.execution_time', 'is not', null)
    .select([
      'logs.operation_id as k',
      'logs.execution_time as t',
      sql<number>`row_number() over (partition by logs.operation_id order by logs.execution_time)`.as('r'),
      sql<number>`count(*) over (partition by logs.operation_id)`.as('n'),
    ])
    .as('ranked');
  // nearest rank: the smallest value with at least p of the values at or below it (ceil(p * n))
  const rows = await source.db
    .selectFrom(ranked)
    .select(['ranked.k as k', 'ranked.t as t', 'ranked.r as r', 'ranked.n as n'])
    .where((eb) =>
      eb.or([
        eb(sql`ranked.r * 2`, '>=', sql`ranked.n`).and(sql`(ranked.r - 1) * 2`, '<', sql`ranked.n`),
        eb(sql`ranked.r * 100`, '>=', sql`ranked.n * 95`).and(sql`(ranked.r - 1) * 100`, '<', sql`ranked.n * 95`),
      ]),
    )
    .execute();
  const p50 = new Map<string, number>();
  const p95 = new Map<string, number>();
  for (const row of rows) {
    const r = Number(row.r);
    const n = Number(row.n);
    if (r * 2 >= n && (r - 1) * 2 < n) p50.set(String(row.k), Number(row.t));
    if (r * 100 >= n * 95 && (r - 1) * 100 < n * 95) p95.set(String(row.k), Number(row.t));
  }
  return {
    labels: top.map((t) => t.label),
    series: [
      { name: 'p50 (ms)', data: top.map((t) => round(p50.get(String(t.k)) ?? 0)) },
      { name: 'p95 (ms)', data: top.map((t) => round(p95.get(String(t.k)) ?? 0)) },
    ],
  };
}

/**
 * Portico's addition: webhook deliveries by the day they were queued and how they stand: delivered,
 * failing (an attempt failed, retries left) and given up (every attempt failed). Deliveries to triggers
 * and background jobs are not webhooks and are left out.
 */
export async function webhookDeliveries(
  source: StatisticsSource,
  filter: StatisticFilter,
): Promise<BackendStatisticChart> {
  const d = dayOf(source, 'created_at');
  // the events room owns the table; statistics only counts its rows
  // biome-ignore lint/suspicious/noExplicitAny: a table of a room above this one, read by name
  const db = source.db as Kysely<any>;
  const state = sql<string>`case when status = 2 then 'done' when status = 3 then 'exceeded' when attempts > 0 then 'failing' else 'pending' end`;
  const rows = (await db
    .selectFrom('event_deliveries')
    .where('webhook_id', 'is not', null)
    .where('created_at', '>=', filter.range.from)
    .where('created_at', '<', filter.range.to)
    .select([state.as('k'), d.as('d'), count.as('v')])
    .groupBy([state, d])
    .execute()) as KeyedDayRow[];
  return perKeyPerDay(
    filter.range,
    [
      { k: 'done', label: 'Delivered' },
      { k: 'pending', label: 'Waiting' },
      { k: 'failing', label: 'Failing (retrying)' },
      { k: 'exceeded', label: 'Given up' },
    ],
    rows,
  );
}

type Statistic = (source: StatisticsSource, filter: StatisticFilter) => Promise<BackendStatisticChart>;

const operationsTop = { names: 'operations', order: 'count', value: 'count' } as const;
const perDayOf =
  (spec: DailySpec): Statistic =>
  (source, filter) =>
    daily(source, filter, spec);

/** Every chart of fusio-sdk's BackendStatisticTag, by the last segment of its path: what it reads and how. */
export const statisticCharts: Readonly<Record<string, { name: string; compute: Statistic }>> = {
  incoming_requests: {
    name: 'getIncomingRequests',
    compute: perDayOf({ name: 'Requests', table: 'logs', date: 'logs.date', value: 'count' }),
  },
  time_average: {
    name: 'getTimeAverage',
    compute: perDayOf({
      name: 'Execution time (ms)',
      table: 'logs',
      date: 'logs.date',
      value: { avg: 'logs.execution_time' },
    }),
  },
  issued_tokens: {
    name: 'getIssuedTokens',
    compute: perDayOf({
      name: 'Tokens',
      table: 'tokens',
      date: 'tokens.created_at',
      by: { appId: 'tokens.app_id', userId: 'tokens.user_id', ip: 'tokens.ip' },
      search: 'tokens.name',
      value: 'count',
    }),
  },
  user_registrations: {
    name: 'getUserRegistrations',
    compute: perDayOf({
      name: 'Users',
      table: 'users',
      date: 'users.created_at',
      search: 'users.name',
      value: 'count',
    }),
  },
  used_points: {
    name: 'getUsedPoints',
    compute: perDayOf({
      name: 'Points',
      table: 'plan_usages',
      date: 'plan_usages.date',
      by: { operationId: 'plan_usages.operation_id', userId: 'plan_usages.user_id', appId: 'plan_usages.app_id' },
      value: { sum: 'plan_usages.points' },
    }),
  },
  incoming_transactions: {
    name: 'getIncomingTransactions',
    // money received per day (in the plans' currency); amounts are stored in cents
    compute: perDayOf({
      name: 'Amount',
      table: 'transactions',
      date: 'transactions.created_at',
      by: { planId: 'transactions.plan_id', userId: 'transactions.user_id' },
      search: 'transactions.transaction_id',
      value: { sum: 'transactions.amount' },
      scale: 0.01,
    }),
  },
  requests_per_operation: {
    name: 'getRequestsPerOperation',
    compute: (source, filter) =>
      topPerDay(source, filter.range, logsPerDay(source, filter, 'logs.operation_id'), operationsTop),
  },
  most_used_operations: {
    name: 'getMostUsedOperations',
    compute: (source, filter) =>
      topPerDay(source, filter.range, logsPerDay(source, filter, 'logs.operation_id'), operationsTop),
  },
  errors_per_operation: {
    name: 'getErrorsPerOperation',
    // calls answered with a server error (5xx)
    compute: (source, filter) =>
      topPerDay(
        source,
        filter.range,
        logsPerDay(source, filter, 'logs.operation_id', { errorsOnly: true }),
        operationsTop,
      ),
  },
  time_per_operation: {
    name: 'getTimePerOperation',
    // the operations that took the most time in total, with their average time per day
    compute: (source, filter) =>
      topPerDay(source, filter.range, logsPerDay(source, filter, 'logs.operation_id', { timed: true }), {
        names: 'operations',
        order: 'time',
        value: 'avg',
        suffix: ' (ms)',
      }),
  },
  most_used_apps: {
    name: 'getMostUsedApps',
    compute: (source, filter) => topManyPerDay(source, filter, 'logs.app_id', 'apps'),
  },
  requests_per_user: {
    name: 'getRequestsPerUser',
    compute: (source, filter) => topManyPerDay(source, filter, 'logs.user_id', 'users'),
  },
  requests_per_ip: {
    name: 'getRequestsPerIP',
    compute: (source, filter) => topManyPerDay(source, filter, 'logs.ip', null),
  },
  most_used_activities: {
    name: 'getMostUsedActivities',
    compute: (source, filter) =>
      topPerDay(source, filter.range, auditsPerDay(source, filter, 'audits.event'), {
        names: null,
        order: 'count',
        value: 'count',
      }),
  },
  activities_per_user: {
    name: 'getActivitiesPerUser',
    compute: (source, filter) =>
      topPerDay(source, filter.range, auditsPerDay(source, filter, 'audits.user_id'), {
        names: 'users',
        order: 'count',
        value: 'count',
      }),
  },
  test_coverage: { name: 'getTestCoverage', compute: testCoverage },
  // Portico's additions (docs/web-apps.md, the admin app's dashboard)
  response_classes: { name: 'getResponseClasses', compute: responseClasses },
  rate_limited_users: {
    name: 'getRateLimitedUsers',
    compute: (source, filter) => topManyPerDay(source, filter, 'logs.user_id', 'users', 429),
  },
  latency_per_operation: { name: 'getLatencyPerOperation', compute: latencyPerOperation },
  webhook_deliveries: { name: 'getWebhookDeliveries', compute: webhookDeliveries },
};
