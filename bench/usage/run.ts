/**
 * Times GET /consumer/usage's query (statistics/usage.ts) for one developer on a large request log.
 *
 *   node --import tsx bench/usage/run.ts [--db sqlite|postgres|mysql] [--others 1000000] [--mine 10000] [--keep]
 *
 * Loads `--others` logs of 2,000 other developers and `--mine` logs of the developer asked about (a third of
 * them through one of their apps), all over the 30 days before 2026-11-28, into a scratch database
 * (SQLite in a temp file; PostgreSQL or MariaDB next to PORTICO_BENCH_POSTGRES_URL / PORTICO_BENCH_MYSQL_URL),
 * then prints median and best of five runs for the 30 days, one week, and one app over 30 days. `--keep`
 * leaves the database for EXPLAIN.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDatabase, type SystemDatabase } from '../../server/src/db/database.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import { developerUsage, type UsageRange } from '../../server/src/statistics/usage.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const kind = option('--db') ?? 'sqlite';
const others = Number(option('--others') ?? 1_000_000);
const mine = Number(option('--mine') ?? 10_000);
const keep = args.includes('--keep');
const day = 86_400_000;
const lastDay = Math.floor(Date.UTC(2026, 10, 28) / day) - 1;
const start = (lastDay - 29) * day;
const pgAdmin = process.env.PORTICO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const mysqlAdmin = process.env.PORTICO_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const name = `portico_bench_usage_${process.pid}`;

/** A scratch database of the chosen kind and a function that removes it. */
async function scratch(): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: pgAdmin });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const url = new URL(pgAdmin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const d = new pg.Client({ connectionString: pgAdmin });
        await d.connect();
        await d.query(`drop database if exists ${name} with (force)`);
        await d.end();
      },
    };
  }
  if (kind === 'mysql') {
    const c = await mysql.createConnection(mysqlAdmin);
    await c.query(`create database ${name}`);
    await c.end();
    const url = new URL(mysqlAdmin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const d = await mysql.createConnection(mysqlAdmin);
        await d.query(`drop database if exists ${name}`);
        await d.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-usage-'));
  return { url: `sqlite:${path.join(dir, 'usage.db')}`, drop: async () => fs.rmSync(dir, { recursive: true }) };
}

/** `count` rows 1..count, in SQL, so a million rows never cross the wire. */
function series(sdb: SystemDatabase, count: number) {
  if (sdb.dialect === 'postgres') return sql`select g as n from generate_series(1, ${sql.lit(count)}) g`;
  return sql`select n from (with recursive g(n) as (select 1 union all select n + 1 from g where n < ${count}) select n from g) s`;
}

function rand(sdb: SystemDatabase) {
  if (sdb.dialect === 'postgres') return sql`random()`;
  if (sdb.dialect === 'mysql') return sql`rand()`;
  return sql`((random() & 9223372036854775807) / 9223372036854775807.0)`;
}

function floor(sdb: SystemDatabase, expression: ReturnType<typeof sql>) {
  return sdb.dialect === 'sqlite' ? sql`cast(${expression} as integer)` : sql`floor(${expression})`;
}

async function load(sdb: SystemDatabase): Promise<number> {
  const { db } = sdb;
  const t0 = performance.now();
  const now = Date.now();
  for (let i = 1; i <= 50; i++) {
    await db
      .insertInto('operations')
      .values({
        category_id: 1,
        status: 1,
        active: 1,
        public: 1,
        stability: 1,
        http_method: 'GET',
        http_path: `/bench/op${i}`,
        http_code: 200,
        name: `bench.op${i}`,
        action: 'static',
        updated_at: now,
      })
      .execute();
  }
  const users = [];
  for (let i = 1; i <= 2001; i++) {
    users.push({
      role_id: 3,
      status: 1,
      name: `bench-user-${i}`,
      email: `bench${i}@example.com`,
      points: 0,
      created_at: now,
    });
  }
  for (let i = 0; i < users.length; i += 500)
    await db
      .insertInto('users')
      .values(users.slice(i, i + 500))
      .execute();
  const me = (await db.selectFrom('users').select('id').where('name', '=', 'bench-user-1').executeTakeFirstOrThrow())
    .id;
  const apps = [];
  for (let i = 1; i <= 3000; i++) {
    apps.push({
      user_id: me + (i % 2001),
      status: 1,
      name: `bench-app-${i}`,
      url: 'https://example.com',
      app_key: `key-${i}`,
      app_secret: 'secret',
      created_at: now,
    });
  }
  for (let i = 0; i < apps.length; i += 500)
    await db
      .insertInto('apps')
      .values(apps.slice(i, i + 500))
      .execute();
  const myApp = (await db.selectFrom('apps').select('id').where('user_id', '=', me).executeTakeFirstOrThrow()).id;
  const r = rand(sdb);
  const op = floor(sdb, sql`${r} * 50`);
  const when = floor(sdb, sql`${r} * ${sql.lit(30 * day)}`);
  const status = sql`case when ${r} < 0.9 then 200 when ${r} < 0.7 then 404 else 500 end`;
  const insert = (rows: number, user: ReturnType<typeof sql>, app: ReturnType<typeof sql>) => sql`
    insert into logs (category_id, operation_id, app_id, user_id, ip, user_agent, method, path, header, body, response_code, execution_time, date)
    select 1, 1 + ${op}, ${app}, ${user}, '10.0.0.1', 'bench', 'GET', '/bench', 'host: bench', null, ${status}, 3, ${sql.lit(start)} + ${when}
    from (${series(sdb, rows)}) s`;
  // one connection: MariaDB's recursion limit is a session setting
  await db.connection().execute(async (c) => {
    if (sdb.dialect === 'mysql') await sql`set session max_recursive_iterations = 100000000`.execute(c);
    // other developers' calls, 60% of them through an app of theirs
    await insert(
      others,
      sql`${sql.lit(me + 1)} + ${floor(sdb, sql`${r} * 2000`)}`,
      sql`case when ${r} < 0.6 then ${sql.lit(myApp + 1)} + ${floor(sdb, sql`${r} * 2000`)} else null end`,
    ).execute(c);
    // the developer's own calls, a third of them through their app
    await insert(mine, sql.lit(me), sql`case when ${r} < 0.33 then ${sql.lit(myApp)} else null end`).execute(c);
  });
  if (sdb.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
  else if (sdb.dialect === 'mysql') await sql`analyze table logs`.execute(db);
  else await sql`analyze`.execute(db);
  console.log(
    `${kind}: loaded ${others.toLocaleString('en')} logs of others and ${mine.toLocaleString('en')} of the developer in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return me;
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
  const { url, drop } = await scratch();
  const sdb = openDatabase(url);
  try {
    await migrateToLatest(sdb);
    const me = await load(sdb);
    const myApp = (await sdb.db.selectFrom('apps').select('id').where('user_id', '=', me).executeTakeFirstOrThrow()).id;
    const month: UsageRange = { firstDay: lastDay - 29, lastDay };
    const week: UsageRange = { firstDay: lastDay - 6, lastDay };
    const cases: [string, () => Promise<{ total: number }>][] = [
      ['30 days', () => developerUsage(sdb, { userId: me }, month)],
      ['7 days', () => developerUsage(sdb, { userId: me }, week)],
      ['30 days, one app', () => developerUsage(sdb, { userId: me, appId: myApp }, month)],
    ];
    for (const [label, run] of cases) {
      const { total } = await run();
      const t = await time(run);
      console.log(
        `${label.padEnd(18)} ${t.median.toFixed(1).padStart(8)} ms median ${t.best.toFixed(1).padStart(8)} ms best  (${total} calls)`,
      );
    }
  } finally {
    await sdb.close();
    if (keep) console.log(`kept ${url}`);
    else await drop();
  }
}

await main();
