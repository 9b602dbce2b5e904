/**
 * Times every usage statistic over a million request logs in PostgreSQL.
 *
 *   node --import tsx bench/statistics/run.ts [--rows 1000000] [--without-indexes] [--keep] [--reuse <database>]
 *
 * Creates a scratch database next to PORTICO_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
 * migrates it, loads the rows server-side (generate_series), vacuums and analyzes, then runs each statistic
 * over the 30 days the rows cover and over one week, and prints median and best of five runs.
 * `--without-indexes` drops the statistics indexes of migration 2026-11-28i-plans first, for comparison;
 * `--keep` leaves the database for EXPLAIN, `--reuse` times an existing one again without loading.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../server/src/db/database.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import {
  countRequests,
  type StatisticFilter,
  type StatisticsSource,
  statisticCharts,
  statisticRange,
} from '../../server/src/statistics/charts.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const rows = Number(option('--rows') ?? 1_000_000);
const withoutIndexes = args.includes('--without-indexes');
const keep = args.includes('--keep');
const adminUrl = process.env.PORTICO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const day = 86_400_000;
const operations = 50;
const users = 2_000;
const apps = 3_000;
/** the rows cover the 30 days before this (midnight UTC) */
const end = Math.floor(Date.UTC(2026, 10, 28) / day) * day;
const start = end - 30 * day;

const statisticIndexes = [
  'logs_category_date_idx',
  'plan_usages_date_idx',
  'transactions_created_idx',
  'tokens_created_idx',
  'users_created_idx',
];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** what the gateway logs for a typical call: about 450 bytes of headers, a small JSON body for writes */
const headers = [
  'host: api.example.com',
  'user-agent: bench-agent/1.0 (linux; x64) node/20.19',
  'accept: application/json, text/plain;q=0.9, */*;q=0.8',
  'accept-encoding: gzip, deflate, br',
  'accept-language: en-US,en;q=0.9',
  'authorization: [redacted]',
  'content-type: application/json',
  'x-forwarded-for: 203.0.113.7, 198.51.100.23',
  'x-forwarded-proto: https',
  'x-request-id: 4f7c2d8e-3b1a-4c9e-8f2d-7a6b5c4d3e2f',
  'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
].join('\n');
const body = JSON.stringify({
  name: 'bench item',
  tags: ['alpha', 'beta', 'gamma'],
  quantity: 3,
  note: 'x'.repeat(120),
});

async function load(source: StatisticsSource): Promise<void> {
  const { db } = source;
  const now = Date.now();
  const t0 = performance.now();
  await sql`insert into operations (category_id, status, active, public, stability, http_method, http_path, http_code, name, action, updated_at)
    select 1, 1, 1, 0, 1, 'GET', '/bench/op' || g, 200, 'bench.op' || g, 'static', ${now}
    from generate_series(1, ${operations}) g`.execute(db);
  await sql`insert into users (role_id, status, name, email, points, created_at)
    select 3, 1, 'bench-user-' || g, 'bench' || g || '@example.com', 1000,
      ${start}::bigint + (random() * ${30 * day})::bigint
    from generate_series(1, ${users}) g`.execute(db);
  await sql`insert into apps (user_id, status, name, url, app_key, app_secret, created_at)
    select 1 + (g % ${users}), 1, 'bench-app-' || g, 'https://example.com', 'key-' || g, 'secret', ${now}
    from generate_series(1, ${apps}) g`.execute(db);
  // skewed like real traffic: a few operations, apps and IPs take most calls
  await sql`insert into logs (category_id, operation_id, app_id, user_id, ip, user_agent, method, path, header, body, response_code, execution_time, date)
    select
      case when r1 < 0.9 then 1 else 2 end,
      1 + floor(power(r2, 3) * ${operations})::int,
      case when r3 < 0.6 then 1 + floor(power(r3 / 0.6, 2) * ${apps})::int else null end,
      case when r4 < 0.7 then 1 + floor(power(r4 / 0.7, 2) * ${users})::int else null end,
      '10.' || floor(power(r5, 2) * 20)::int || '.' || floor(r5 * 250)::int || '.' || (g % 25),
      'bench-agent/1.0',
      case when r1 < 0.8 then 'GET' else 'POST' end,
      '/bench/op' || (1 + floor(power(r2, 3) * ${operations})::int),
      ${headers},
      case when r1 >= 0.8 then ${body} else null end,
      case when r6 < 0.02 then 500 else 200 end,
      floor(r6 * 200)::int,
      ${start}::bigint + floor(r7 * ${30 * day})::bigint
    from (
      select g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6, random() r7
      from generate_series(1, ${rows}) g
    ) s`.execute(db);
  await sql`insert into audits (app_id, user_id, ref_id, event, ip, message, content, date)
    select null, 1 + (g % 20), null, 'backend.bench.' || (g % 30), '10.0.0.1', 'bench', null,
      ${start}::bigint + (random() * ${30 * day})::bigint
    from generate_series(1, 50000) g`.execute(db);
  await sql`insert into tokens (category_id, app_id, user_id, status, name, token_id, refresh, scope, ip, expire, created_at)
    select 3, null, 1 + (g % ${users}), 1, 'bench', 'bench-token-' || g, null, 'default', '10.0.0.1', ${now},
      ${start}::bigint + (random() * ${30 * day})::bigint
    from generate_series(1, 100000) g`.execute(db);
  await sql`insert into plan_usages (operation_id, user_id, app_id, points, date)
    select 1 + (g % ${operations}), 1 + (g % ${users}), null, 1 + (g % 5),
      ${start}::bigint + (random() * ${30 * day})::bigint
    from generate_series(1, 200000) g`.execute(db);
  await sql`insert into transactions (user_id, plan_id, provider, transaction_id, amount, points, period_start, period_end, created_at)
    select 1 + (g % ${users}), 1, 'stripe', 'in_bench_' || g, 999, 100, null, null,
      ${start}::bigint + (random() * ${30 * day})::bigint
    from generate_series(1, 20000) g`.execute(db);
  if (withoutIndexes) {
    for (const index of statisticIndexes) await sql`drop index ${sql.id(index)}`.execute(db);
    await sql`drop statistics logs_day_stats`.execute(db);
  }
  await sql`vacuum analyze`.execute(db);
  console.log(`loaded ${rows.toLocaleString('en')} logs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function time(run: () => Promise<unknown>, times = 5): Promise<{ median: number; best: number }> {
  await run();
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await run();
    took.push(performance.now() - t);
  }
  took.sort((a, b) => a - b);
  return { median: took[Math.floor(times / 2)] as number, best: took[0] as number };
}

async function main(): Promise<void> {
  const reuse = option('--reuse');
  const name = reuse ?? `portico_bench_stats_${process.pid}`;
  if (!reuse) await admin((c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sdb = openDatabase(url.toString());
  try {
    if (!reuse) {
      await migrateToLatest(sdb);
      await load(sdb);
    }
    const month: StatisticFilter = { range: statisticRange(start, end - 1) };
    const lastWeek: StatisticFilter = { range: statisticRange(end - 7 * day, end - 1) };
    const statistics: [string, (f: StatisticFilter) => Promise<unknown>][] = [
      ['count_requests', (f) => countRequests(sdb, f)],
      ...Object.entries(statisticCharts).map(
        ([key, chart]) =>
          [key, (f: StatisticFilter) => chart.compute(sdb, f)] as [string, (f: StatisticFilter) => Promise<unknown>],
      ),
    ];
    console.log(
      `PostgreSQL, ${rows.toLocaleString('en')} logs over 30 days, ${withoutIndexes ? 'WITHOUT' : 'with'} the statistics indexes`,
    );
    console.log('statistic                 30 days median / best     7 days median / best');
    let total = 0;
    for (const [key, run] of statistics) {
      const a = await time(() => run(month));
      const b = await time(() => run(lastWeek));
      total += a.median;
      console.log(
        `${key.padEnd(25)} ${a.median.toFixed(1).padStart(8)} / ${a.best.toFixed(1).padStart(6)} ms   ${b.median
          .toFixed(1)
          .padStart(8)} / ${b.best.toFixed(1).padStart(6)} ms`,
      );
    }
    console.log(`${'all (sum of medians)'.padEnd(25)} ${total.toFixed(1).padStart(8)} ms`);
  } finally {
    await sdb.close();
    if (!keep && !reuse) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    else console.log(`kept database ${name}`);
  }
}

await main();
