/**
 * Does Portico stay fast as an installation grows? One command, on the default SQLite install unless said:
 *
 *   npm run bench:growth                       # all sections (≈ 6 min)
 *   npm run bench:growth -- --only routing     # routing | users | nodes | coldstart | log (commas for several)
 *   npm run bench:growth -- --operations 10000 --users 100000 --log-rows 10000000
 *   npm run bench:growth -- --node24           # the servers under Node 24 (npm package node@24, as .ci/run)
 *
 * - routing: 10 operations, then 10,000 more (written straight into the system database, then one change
 *   through the API so the table is rebuilt), then back to 10: the time a change takes to be live (the API
 *   call awaits the rebuild), the server's RSS and heap, and req/s of a protected static operation (A-B-A,
 *   wrk), so the cost of a large table per request shows as a ratio.
 * - users: login (`POST /consumer/login`) and token issue (`client_credentials`) latency with a handful of
 *   users and apps, and with 100,000 of each.
 * - nodes: two Portico nodes on one PostgreSQL; a change made on one, polled on the other until it serves
 *   it: p50/p99 of 20 changes, with the database change feed and with Redis.
 * - log (not in the default run: loading takes minutes): PostgreSQL with --log-rows request logs (10 M) over
 *   100 days, ids growing with time as the gateway writes them; a developer owns 1 % of them. The dashboard
 *   (`/backend/dashboard`, its default 30 days), the developer's `/consumer/log` (first page and page 50)
 *   and one log by id, each the median of 5; then a retention pass (90 days: a tenth of the rows) run
 *   while a protected operation is under load, its p99 against the p99 without the pass.
 * - coldstart: `npm start` in this checkout on an empty data folder to the first healthy answer (migrations
 *   and seed included; web build present), the sources through tsx against the build (`npm run build`).
 *
 * Writes bench/results/growth.json and growth.md, replacing only the sections run (per Node major version),
 * each with the load average at its start. Never a pass/fail: figures to read beside each other.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import SQLite from '../../server/src/db/sqlite-driver.js';
import { api, freePort, load, median, node24, rssOf, tokenFor, waitForPort } from '../support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? null : new Set(String(args[onlyIndex + 1]).split(','));
const operationCount = option('--operations', 10_000);
const userCount = option('--users', 100_000);
const logRows = option('--log-rows', 10_000_000);
/** the Node that runs the servers: this one, or Node 24 from the npm package with --node24 */
const serverNode = args.includes('--node24') ? node24() : process.execPath;
const adminUrl = process.env.PORTICO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const password = 'bench-admin-password';

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Node {
  base: string;
  child: ChildProcess;
  dataDir: string;
  adminToken: string;
  stop(): Promise<void>;
}

async function startNode(env: Record<string, string> = {}, command = ['server/src/main.ts', 'serve']): Promise<Node> {
  const port = await freePort();
  const dataDir = env.PORTICO_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'portico-growth-'));
  const child = spawn(serverNode, [...(command[0]?.endsWith('.ts') ? ['--import', 'tsx'] : []), ...command], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PORTICO_ADMIN_EMAIL: 'bench@example.com',
      PORTICO_ADMIN_PASSWORD: password,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_SECRET_KEY: 'bench-secret-key-0123456789',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await waitForPort(port, 120_000);
  const base = `http://127.0.0.1:${port}`;
  const adminToken = await tokenFor(base, 'bench', password);
  return {
    base,
    child,
    dataDir,
    adminToken,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** req/s of a URL under load (wrk when installed, else autocannon); refused or failed answers are an error */
async function wrk(url: string, seconds: number, headers: Record<string, string>): Promise<number> {
  const result = await load(url, seconds, headers);
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return result.rps;
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const p99 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
};

const results: Record<string, unknown> = {};
let lines: string[] = [];
const say = (line: string) => {
  console.log(line);
  lines.push(line);
};

/** A protected static operation and a token for it. */
async function protectedOperation(node: Node): Promise<{ token: string; operationId: number }> {
  await api(node.base, node.adminToken, 'POST', '/backend/action', {
    name: 'hello',
    class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
    config: { response: '{"hello":"world"}' },
  });
  const created = (await api(node.base, node.adminToken, 'POST', '/backend/operation', {
    name: 'growth.protected',
    httpMethod: 'GET',
    httpPath: '/protected',
    action: 'hello',
    scopes: ['growth'],
  })) as { id: string };
  const me = (await api(node.base, node.adminToken, 'GET', '/authorization/whoami')) as { id: number };
  await api(node.base, node.adminToken, 'PUT', `/backend/user/${me.id}`, { scopes: ['growth'] });
  const app = (await api(node.base, node.adminToken, 'POST', '/backend/app', {
    userId: me.id,
    name: 'Growth client',
    url: 'https://growth.example.com',
    scopes: ['growth'],
  })) as { appKey: string; appSecret: string };
  return { token: await tokenFor(node.base, app.appKey, app.appSecret, 'growth'), operationId: Number(created.id) };
}

async function routing(): Promise<void> {
  say(`\n## Routing: 10 operations against ${operationCount}`);
  const node = await startNode();
  const { token, operationId } = await protectedOperation(node);
  // a rate applies to every call, as in production, with a limit the benchmark never reaches
  await api(node.base, node.adminToken, 'POST', '/backend/rate', {
    name: 'Growth',
    priority: 100,
    rateLimit: 1_000_000_000,
    timespan: 'PT1H',
    allocation: [{ authenticated: true }, { authenticated: false }],
  });
  const auth = { authorization: `Bearer ${token}` };
  let flip = 0;
  /** one change through the API: the call returns once the routing table is rebuilt */
  const change = () =>
    api(node.base, node.adminToken, 'PUT', `/backend/operation/${operationId}`, {
      description: `change ${flip++}`,
    });
  const state = async (label: string) => {
    const rebuilds: number[] = [];
    for (let i = 0; i < 7; i++) rebuilds.push(await timed(change));
    await wrk(`${node.base}/protected`, 2, auth);
    const rps = await wrk(`${node.base}/protected`, 5, auth);
    const rss = node.child.pid ? rssOf(node.child.pid) : 0;
    const figures = { rebuildMs: median(rebuilds), rps, rssMiB: rss / 2 ** 20 };
    say(
      `  ${label}: a change is live after ${figures.rebuildMs.toFixed(0)} ms (median of 7), ${Math.round(rps)} req/s on /protected, RSS ${figures.rssMiB.toFixed(0)} MiB`,
    );
    return figures;
  };
  const small = await state('few operations');
  // the large configuration, straight into the system database (the API would take minutes for 10,000)
  const db = new SQLite(path.join(node.dataDir, 'portico.db'));
  const now = Date.now();
  const insert = db.prepare(
    "insert into operations (category_id, status, active, public, stability, description, http_method, http_path, http_code, name, parameters, incoming, outgoing, throws, action, costs, metadata, updated_at) values (1, 1, 1, 1, 1, null, ?, ?, 200, ?, null, null, null, null, 'hello', 0, null, ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < operationCount; i++) {
      const method = ['GET', 'POST', 'PUT', 'DELETE'][i % 4] as string;
      insert.run(
        method,
        `/growth/r${Math.floor(i / 4)}/items/:id${i % 3 === 0 ? '/detail' : ''}`,
        `growth.op${i}`,
        now,
      );
    }
  })();
  db.close();
  const large = await state(`${operationCount} more operations`);
  const direct = await wrk(`${node.base}/growth/r${Math.floor(operationCount / 8)}/items/7`, 5, {});
  say(`  a public operation among the ${operationCount}: ${Math.round(direct)} req/s`);
  const remove = new SQLite(path.join(node.dataDir, 'portico.db'));
  remove.prepare("delete from operations where name like 'growth.op%'").run();
  remove.close();
  const back = await state('few operations again');
  const ratio = large.rps / ((small.rps + back.rps) / 2);
  say(
    `  request cost with ${operationCount} operations: ${ratio.toFixed(2)}× the req/s with few (A-B-A); a change with ${operationCount} takes ${large.rebuildMs.toFixed(0)} ms against ${small.rebuildMs.toFixed(0)} ms; RSS +${(large.rssMiB - small.rssMiB).toFixed(0)} MiB`,
  );
  results.routing = { operations: operationCount, small, large, back, ratio, publicAmongMany: direct };
  await node.stop();
}

async function users(): Promise<void> {
  say(`\n## Users and apps: a handful against ${userCount}`);
  const node = await startNode();
  const me = (await api(node.base, node.adminToken, 'GET', '/authorization/whoami')) as { id: number };
  const app = (await api(node.base, node.adminToken, 'POST', '/backend/app', {
    userId: me.id,
    name: 'Growth client',
    url: 'https://growth.example.com',
    scopes: ['default'],
  })) as { appKey: string; appSecret: string };
  let ip = 1;
  const login = (username: string) =>
    timed(async () => {
      const res = await fetch(`${node.base}/consumer/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${(ip >> 8) & 255}.${ip++ & 255}` },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
    });
  const issue = (key: string, secret: string) =>
    timed(async () => {
      await tokenFor(node.base, key, secret, 'default');
    });
  const measureAll = async (label: string, names: string[], apps: [string, string][]) => {
    const logins: number[] = [];
    const tokens: number[] = [];
    for (let i = 0; i < 40; i++) logins.push(await login(names[i % names.length] as string));
    for (let i = 0; i < 40; i++) {
      const [key, secret] = apps[i % apps.length] as [string, string];
      tokens.push(await issue(key, secret));
    }
    const figures = {
      loginP50: median(logins),
      loginP99: p99(logins),
      tokenP50: median(tokens),
      tokenP99: p99(tokens),
    };
    say(
      `  ${label}: login p50 ${figures.loginP50.toFixed(1)} ms, p99 ${figures.loginP99.toFixed(1)} ms; token issue p50 ${figures.tokenP50.toFixed(1)} ms, p99 ${figures.tokenP99.toFixed(1)} ms`,
    );
    return figures;
  };
  const few = await measureAll('1 user, 1 app', ['bench'], [[app.appKey, app.appSecret]]);
  const db = new SQLite(path.join(node.dataDir, 'portico.db'));
  const admin = db.prepare('select role_id, password from users where name = ?').get('bench') as {
    role_id: number;
    password: string;
  };
  const secret = 'growth-app-secret-0123456789';
  const secretHash = crypto.createHash('sha256').update(secret).digest('hex');
  const stored = db.prepare('select app_secret from apps where app_key = ?').get(app.appKey) as { app_secret: string };
  const hashMatches = stored.app_secret === crypto.createHash('sha256').update(app.appSecret).digest('hex');
  const now = Date.now();
  const addUser = db.prepare(
    'insert into users (role_id, plan_id, identity_id, status, remote_id, external_id, name, email, password, points, metadata, created_at) values (?, null, null, 1, null, null, ?, ?, ?, null, null, ?)',
  );
  const addApp = db.prepare(
    "insert into apps (user_id, status, name, url, parameters, app_key, app_secret, metadata, created_at) values (?, 1, ?, 'https://growth.example.com', null, ?, ?, null, ?)",
  );
  // each user holds the scopes the administrator holds; each app the default scope
  const userScopes = (
    db.prepare('select scope_id from user_scopes where user_id = ?').all(me.id) as { scope_id: number }[]
  ).map((r) => r.scope_id);
  const defaultScope = (db.prepare("select id from scopes where name = 'default'").get() as { id: number }).id;
  const addUserScope = db.prepare('insert into user_scopes (user_id, scope_id) values (?, ?)');
  const addAppScope = db.prepare('insert into app_scopes (app_id, scope_id) values (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < userCount; i++) {
      const user = Number(
        addUser.run(admin.role_id, `growth${i}`, `growth${i}@example.com`, admin.password, now).lastInsertRowid,
      );
      for (const scope of userScopes) addUserScope.run(user, scope);
      const appId = Number(addApp.run(user, `Growth app ${i}`, `growth-key-${i}`, secretHash, now).lastInsertRowid);
      addAppScope.run(appId, defaultScope);
    }
  })();
  db.close();
  const names = Array.from({ length: 40 }, (_, i) => `growth${Math.floor((i * userCount) / 40)}`);
  const keys: [string, string][] = hashMatches
    ? Array.from({ length: 40 }, (_, i) => [`growth-key-${Math.floor((i * userCount) / 40)}`, secret])
    : [[app.appKey, app.appSecret]];
  const many = await measureAll(`${userCount} users, ${userCount} apps`, names, keys);
  say(
    `  login ${(many.loginP50 / few.loginP50).toFixed(2)}×, token issue ${(many.tokenP50 / few.tokenP50).toFixed(2)}× the time with one (p50)`,
  );
  results.users = { users: userCount, few, many };
  await node.stop();
}

async function nodes(): Promise<void> {
  say('\n## A change reaching a second node (PostgreSQL)');
  for (const mode of ['database feed', 'Redis'] as const) {
    const name = `portico_growth_${process.pid}_${mode === 'Redis' ? 'r' : 'd'}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const env: Record<string, string> = {
      DATABASE_URL: u.toString(),
      ...(mode === 'Redis' ? { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_REDIS_PREFIX: `${name}:` } : {}),
    };
    const a = await startNode(env);
    const b = await startNode(env);
    try {
      await api(a.base, a.adminToken, 'POST', '/backend/action', {
        name: 'flag',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{"v":0}' },
      });
      await api(a.base, a.adminToken, 'POST', '/backend/operation', {
        name: 'growth.flag',
        httpMethod: 'GET',
        httpPath: '/flag',
        action: 'flag',
        public: true,
      });
      const delays: number[] = [];
      for (let v = 1; v <= 20; v++) {
        await api(a.base, a.adminToken, 'PUT', '/backend/action/~flag', { config: { response: `{"v":${v}}` } });
        // from the moment the change is committed and live on the node that made it
        const started = performance.now();
        for (;;) {
          const res = await fetch(`${b.base}/flag`);
          const body = res.ok ? ((await res.json()) as { v?: number }) : {};
          if (body.v === v) break;
          if (performance.now() - started > 10_000) throw new Error(`node b never served v=${v}`);
          await new Promise((r) => setTimeout(r, 2));
        }
        delays.push(performance.now() - started);
      }
      say(`  ${mode}: p50 ${median(delays).toFixed(0)} ms, p99 ${p99(delays).toFixed(0)} ms (20 changes)`);
      results[`nodes ${mode}`] = { p50: median(delays), p99: p99(delays) };
    } finally {
      await a.stop();
      await b.stop();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}

async function log(): Promise<void> {
  say(`\n## Request log of ${logRows.toLocaleString('en')} rows (PostgreSQL)`);
  const name = `portico_growth_${process.pid}_log`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const node = await startNode({ DATABASE_URL: u.toString(), LOG_RETENTION_DAYS: '0' });
  const db = new pg.Client({ connectionString: u.toString() });
  await db.connect();
  try {
    const { token, operationId } = await protectedOperation(node);
    // a developer with an app, who calls through it: their rows are 1 % of the log
    const developer = (await api(node.base, node.adminToken, 'POST', '/backend/user', {
      name: 'developer',
      email: 'developer@example.com',
      password: 'developer-password-1',
      roleId: 3,
      status: 1,
      scopes: ['growth'],
    })) as { id: string };
    const userId = Number(developer.id);
    const app = (await api(node.base, node.adminToken, 'POST', '/backend/app', {
      userId,
      name: 'Developer app',
      url: 'https://developer.example.com',
      scopes: ['growth'],
    })) as { id: string };
    const appId = Number(app.id);
    const day = 86_400_000;
    const end = Date.now();
    const start = end - 100 * day;
    const headers =
      'host: api.example.com\nuser-agent: bench-agent/1.0\naccept: application/json\nx-request-id: 4f7c2d8e-3b1a-4c9e-8f2d-7a6b5c4d3e2f';
    const loadStarted = performance.now();
    const chunk = 1_000_000;
    for (let from = 1; from <= logRows; from += chunk) {
      const to = Math.min(logRows, from + chunk - 1);
      await db.query(
        `insert into logs (category_id, operation_id, app_id, user_id, ip, user_agent, method, path, header, body, response_code, execution_time, date)
         select case when g % 10 = 0 then 2 else 1 end, case when g % 10 = 0 then null else $1::int end,
           case when g % 100 = 7 then $2::int when g % 3 = 0 then null else 100000 + g % 5000 end,
           case when g % 100 = 7 then $3::int else null end,
           '10.' || (g % 200) || '.' || (g % 250) || '.' || (g % 25), 'bench-agent/1.0',
           case when g % 5 = 0 then 'POST' else 'GET' end, '/protected', $4,
           null, case when g % 50 = 0 then 500 else 200 end, g % 200,
           $5::bigint + (g::bigint * $6::bigint) / $7::bigint
         from generate_series($8::bigint, $9::bigint) g`,
        [operationId, appId, userId, headers, start, end - start, logRows, from, to],
      );
    }
    await db.query('vacuum analyze logs');
    say(
      `  loaded ${logRows.toLocaleString('en')} rows over 100 days in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (generate_series, then vacuum analyze)`,
    );
    const devToken = await tokenFor(node.base, 'developer', 'developer-password-1');
    const times = async (label: string, path: string, bearer: string) => {
      const runs: number[] = [];
      for (let i = 0; i < 6; i++) {
        runs.push(
          await timed(async () => {
            const res = await fetch(`${node.base}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
            if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
            await res.arrayBuffer();
          }),
        );
      }
      const figure = median(runs.slice(1));
      say(`  ${label}: ${figure.toFixed(0)} ms (median of 5 after one)`);
      return figure;
    };
    const dashboard = await times(
      'dashboard (`/backend/dashboard`, last 30 days)',
      '/backend/dashboard',
      node.adminToken,
    );
    const requests = await times(
      'one chart (`/backend/statistic/incoming_requests`)',
      '/backend/statistic/incoming_requests',
      node.adminToken,
    );
    const consumerFirst = await times('`/consumer/log` first page', '/consumer/log?count=16', devToken);
    const consumerDeep = await times('`/consumer/log` page 50', '/consumer/log?count=16&startIndex=784', devToken);
    const newest = (await db.query('select max(id) as id from logs where user_id = $1 and category_id = 1', [userId]))
      .rows[0] as {
      id: string;
    };
    const one = await times('`/consumer/log/{id}`', `/consumer/log/${newest.id}`, devToken);
    // retention while the gateway serves: p99 of a protected operation with and without a pass
    const auth = { authorization: `Bearer ${token}` };
    await load(`${node.base}/protected`, 3, auth);
    const quiet = await load(`${node.base}/protected`, 10, auth);
    const { openDatabase } = await import('../../server/src/db/database.js');
    const { LogRetention } = await import('../../server/src/telemetry/log-retention.js');
    const pino = (await import('pino')).default;
    const sdb = openDatabase(u.toString());
    const retention = new LogRetention(sdb.db, pino({ level: 'silent' }), { days: 90 });
    let deleted = 0;
    let passMs = 0;
    const pass = timed(async () => {
      deleted = await retention.run();
    }).then((ms) => {
      passMs = ms;
    });
    const during = await load(`${node.base}/protected`, 10, auth);
    await pass;
    await retention.close();
    await sdb.close();
    say(
      `  retention (90 days): ${deleted.toLocaleString('en')} rows deleted in ${(passMs / 1000).toFixed(1)} s; /protected p99 ${during.p99.toFixed(1)} ms during the first 10 s of it (${Math.round(during.rps)} req/s) against ${quiet.p99.toFixed(1)} ms without (${Math.round(quiet.rps)} req/s)`,
    );
    results.log = {
      rows: logRows,
      dashboardMs: dashboard,
      chartMs: requests,
      consumerFirstMs: consumerFirst,
      consumerDeepMs: consumerDeep,
      consumerOneMs: one,
      retention: {
        deleted,
        passMs,
        p99During: during.p99,
        p99Quiet: quiet.p99,
        rpsDuring: during.rps,
        rpsQuiet: quiet.rps,
      },
    };
  } finally {
    await db.end();
    await node.stop();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function coldstart(): Promise<void> {
  say('\n## Cold start to the first healthy answer (empty data folder: migrations and seed included)');
  const healthy = async (command: string[], cwd = root) => {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cold-'));
    const started = performance.now();
    const child = spawn(command[0] as string, command.slice(1), {
      cwd,
      env: { ...process.env, PORT: String(port), PORTICO_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/system/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (performance.now() - started > 120_000) throw new Error(`${command.join(' ')} never answered`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    // npm and its children: the whole group
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    fs.rmSync(dataDir, { recursive: true, force: true });
    return ms;
  };
  const runs = async (label: string, command: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await healthy(command));
    say(`  ${label}: ${(median(times) / 1000).toFixed(2)} s (median of 3)`);
    return median(times);
  };
  const dist = path.join(root, 'server/dist');
  const hadBuild = fs.existsSync(dist);
  const tsx = await runs(
    '`npm start` (sources through tsx)',
    hadBuild ? ['node', '--import', 'tsx', 'server/src/main.ts', 'serve'] : ['npm', 'start'],
  );
  const buildStarted = performance.now();
  execFileSync('npm', ['run', 'build', '--workspace', 'server'], { cwd: root, stdio: 'ignore' });
  const buildMs = performance.now() - buildStarted;
  say(`  \`npm run build\` (server): ${(buildMs / 1000).toFixed(1)} s`);
  let compiled: number;
  try {
    compiled = await runs('`portico serve` from the build (server/dist)', ['node', 'server/bin/portico.js', 'serve']);
  } finally {
    if (!hadBuild) fs.rmSync(dist, { recursive: true, force: true });
  }
  results.coldstart = { tsxMs: tsx, compiledMs: compiled, buildMs };
}

async function main(): Promise<void> {
  const started = Date.now();
  const nodeVersion = execFileSync(serverNode, ['--version'], { encoding: 'utf8' }).trim().slice(1);
  console.log(
    `Portico growth benchmark, ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length}, servers on Node ${nodeVersion}`,
  );
  const sections: Record<string, () => Promise<void>> = { routing, users, nodes, log, coldstart };
  // each section's lines and figures replace that section's in the results, per Node major version:
  // sections run one at a time (--only) on a busy machine add up to one file
  const file = path.join(root, 'bench/results/growth.json');
  type Stored = Record<string, Record<string, { lines: string[]; figures: unknown; load: number[]; date: string }>>;
  let stored: Stored = {};
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Stored;
    if (parsed && typeof parsed === 'object' && Object.keys(parsed).every((k) => k.startsWith('Node ')))
      stored = parsed;
  } catch {
    // no results yet
  }
  const runtime = `Node ${nodeVersion.split('.')[0]}`;
  stored[runtime] ??= {};
  for (const [name, run] of Object.entries(sections)) {
    if (only ? !only.has(name) : name === 'log') continue;
    lines = [];
    const load = os.loadavg();
    const before = new Set(Object.keys(results));
    try {
      await run();
    } catch (error) {
      say(`  ${name} failed: ${(error as Error).message}`);
    }
    const figures = Object.fromEntries(Object.entries(results).filter(([k]) => !before.has(k)));
    (stored[runtime] as Stored[string])[name] = {
      lines: [
        ...lines,
        `  (Node ${nodeVersion}, load average ${load.map((l) => l.toFixed(1)).join(' ')} at the start)`,
      ],
      figures,
      load,
      date: new Date().toISOString().slice(0, 16),
    };
  }
  console.log(`\n(${((Date.now() - started) / 60_000).toFixed(1)} min)`);
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
  const md = [
    `Portico growth benchmark, ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length} (each section as last run)`,
  ];
  for (const [version, byName] of Object.entries(stored)) {
    md.push(`\n# ${version}`);
    for (const name of Object.keys(sections)) {
      const section = byName[name];
      if (section) md.push(...section.lines, `  (${section.date} UTC)`);
    }
  }
  fs.writeFileSync(path.join(root, 'bench/results/growth.md'), `${md.join('\n')}\n`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
