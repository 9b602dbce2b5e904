/**
 * Portico against its peers, on this machine, in one run:
 *
 *   npm run bench                      # the matrix: both system databases, 3 alternating rounds (≈ 6 min)
 *   npm run bench -- --node24          # the same again under Node 24 (npm package node@24, as .ci/run)
 *   npm run bench -- --quick           # a smoke run: short rounds (≈ 2 min; figures only indicative)
 *   npm run bench -- --no-machine-node # Node 24 only
 *   npm run bench -- --db sqlite --rounds 5 --duration 10 --soak 120 --profile
 *   npm run bench -- --firewall        # only the firewall's cost: protected static with 5,000 rules vs none
 *
 * Starts a small upstream HTTP server, nginx as a reverse proxy to it (Debian's nginx-light, installed if
 * missing; skipped with a note when that is not possible), a bare Fastify route, a hand-written
 * Fastify + pg route, and Portico with four operations: a public static response, the same protected
 * (JWT + scope + rate limit + request log), a protected HTTP proxy to the upstream, and a protected SQL
 * select-row. Portico runs once on the default install (SQLite in a fresh data folder) and once on
 * PostgreSQL. Each pair is loaded with the same generator (wrk when installed, else autocannon) at fixed
 * concurrency, peer and Portico alternating (the first of the pair alternates each round), and each figure
 * is the median over the rounds: one noisy run decides nothing on a shared machine. Afterwards Portico is
 * stopped and its request log counted against the requests the generator saw; with --soak it is loaded for
 * that long and its RSS compared. With --profile Portico runs under `node --cpu-prof` and the profile is
 * summarised per request (bench/gateway/profile.ts). Writes bench/results/latest.json, latest.md and
 * latest.svg.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  api,
  freePort,
  have,
  node24 as installNode24,
  type LoadResult as LoadRun,
  load as loadOnce,
  median,
  rssOf,
  tokenFor,
  waitForPort,
} from '../support.js';
import { summariseProfile } from './profile.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const textOption = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : String(args[i + 1]);
};
const quick = flag('--quick');
const duration = option('--duration', quick ? 2 : 5);
const warmup = option('--warmup', quick ? 1 : 2);
const rounds = option('--rounds', 3);
const connections = option('--connections', 50);
const soakSeconds = option('--soak', quick ? 0 : 30);
const profile = flag('--profile');
const databases = textOption('--db', 'sqlite,postgres').split(',') as SystemDb[];
const withNode24 = flag('--node24') || process.env.PORTICO_BENCH_NODE24 === '1';
// the SQLite request log written on the serving thread, for comparison with its writer thread
const compareLogThread = !quick && !flag('--no-log-thread-compare') && databases.includes('sqlite');
// only the scenarios whose name (dashes for spaces) contains this, e.g. --only protected-static
const only = textOption('--only', '');
// only the firewall's cost per request (issue 13: under 2 %), written to bench/results/firewall.md
const firewallOnly = flag('--firewall');
const adminUrl = process.env.PORTICO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type SystemDb = 'sqlite' | 'postgres';

interface LoadResult extends LoadRun {
  /** CPU the server's processes used per request, in µs (user + system, from /proc): steadier than req/s on a busy machine */
  cpuUs?: number;
}

interface ScenarioResult {
  runtime: string;
  database: string;
  name: string;
  target: number | null;
  peerName: string;
  /** medians over the rounds */
  portico: { rps: number; p50: number; p99: number; cpuUs: number };
  peer: { rps: number; p50: number; p99: number; cpuUs: number } | null;
  /** median of the per-round ratios of req/s */
  ratio: number | null;
  /** median of the per-round ratios of CPU per request (peer / Portico): what the ratio would be if CPU were all */
  cpuRatio: number | null;
  rounds: { portico: LoadResult; peer: LoadResult | null }[];
}

interface PorticoRun {
  runtime: string;
  database: string;
  requestLog: { expected: number; logged: number; complete: boolean };
  soak: { seconds: number; rssStart: number; rssEnd: number; growth: number } | null;
  profile?: string;
}

const children: ChildProcess[] = [];
function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

interface Runtime {
  name: string;
  execPath: string;
}

function startNode(
  runtime: Runtime,
  script: string,
  scriptArgs: string[],
  env: Record<string, string> = {},
  extraExecArgv: string[] = [],
): ChildProcess {
  const child = fork(script, scriptArgs, {
    cwd: root,
    execPath: runtime.execPath,
    env: { ...process.env, ...env },
    execArgv: [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), ...extraExecArgv],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

function stopChild(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** nginx from Debian's nginx-light: installed when missing and possible, else null with the reason. */
function nginxBinary(): { path: string } | { skipped: string } {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx'])
    if (fs.existsSync(candidate)) return { path: candidate };
  if (process.getuid?.() === 0 && have('apt-get')) {
    try {
      execFileSync('apt-get', ['install', '-y', '-q', 'nginx-light'], { stdio: 'ignore', timeout: 180_000 });
      if (fs.existsSync('/usr/sbin/nginx')) return { path: '/usr/sbin/nginx' };
    } catch {
      // fall through to the note
    }
  }
  return { skipped: 'nginx is not installed and could not be installed (needs root and apt-get: nginx-light)' };
}

function startNginx(binary: string, port: number, upstreamPort: number): ChildProcess {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-nginx-'));
  fs.mkdirSync(path.join(dir, 'logs'));
  // one worker, like Portico's one process; keep-alive to the upstream like Portico's pool
  const conf = `worker_processes 1;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(binary, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/** Node 24 from the npm registry's `node` package (support.ts installs it as .ci/run does). */
function node24(): Runtime {
  const bin = installNode24();
  return { name: `Node ${execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().slice(1)}`, execPath: bin };
}

/** Runs the load generator once against a URL, with this run's connections. */
function load(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  return loadOnce(url, seconds, headers, connections);
}

/** user + system CPU of a process (all its threads) in µs; Linux's /proc/PID/stat counts in 1/100 s */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** A process and its children (nginx's worker under its master). */
function processTree(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return [pid, ...children.flatMap((c) => processTree(Number(c)))];
  } catch {
    return [pid];
  }
}

/** Which processes serve a URL, to charge them the CPU of its load. */
const serverPids = new Map<string, number>();
function pidsFor(url: string): number[] {
  for (const [prefix, pid] of serverPids) if (url.startsWith(prefix)) return processTree(pid);
  return [];
}

/** Loads a URL and measures the CPU its server used meanwhile. */
async function measure(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const pids = pidsFor(url);
  const before = pids.reduce((sum, pid) => sum + cpuOf(pid), 0);
  const result = await load(url, seconds, headers);
  const used = pids.reduce((sum, pid) => sum + cpuOf(pid), 0) - before;
  return pids.length && result.requests ? { ...result, cpuUs: used / result.requests } : result;
}

function svgChart(scenarios: ScenarioResult[]): string {
  const width = 820;
  const rowHeight = 70;
  const height = 60 + scenarios.length * rowHeight;
  const max = Math.max(...scenarios.flatMap((s) => [s.portico.rps, s.peer?.rps ?? 0]));
  const bar = (value: number) => Math.max(1, (value / max) * (width - 300));
  const rows = scenarios
    .map((s, i) => {
      const y = 50 + i * rowHeight;
      const ratio = s.ratio === null ? '' : ` — ${s.ratio.toFixed(2)}×${s.target ? ` (target ${s.target}×)` : ''}`;
      return `<text x="10" y="${y}" font-size="13" font-weight="bold">${s.name}, ${s.database}, ${s.runtime}${ratio}</text>
  <rect x="200" y="${y + 6}" width="${bar(s.portico.rps)}" height="18" fill="#2f6fb0"/>
  <text x="${205 + bar(s.portico.rps)}" y="${y + 20}" font-size="12">Portico ${Math.round(s.portico.rps)} req/s</text>
  ${
    s.peer
      ? `<rect x="200" y="${y + 28}" width="${bar(s.peer.rps)}" height="18" fill="#9a9a9a"/>
  <text x="${205 + bar(s.peer.rps)}" y="${y + 42}" font-size="12">${s.peerName} ${Math.round(s.peer.rps)} req/s</text>`
      : `<text x="200" y="${y + 42}" font-size="12">${s.peerName}</text>`
  }`;
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" role="img">
  <title>Portico against its peers, requests per second (medians)</title>
  <rect width="100%" height="100%" fill="white"/>
  <text x="10" y="24" font-size="15" font-weight="bold">Portico vs peers, req/s, median of ${rounds} rounds (${os.cpus().length} cores, ${connections} connections)</text>
  ${rows}
</svg>
`;
}

interface Peers {
  fastify: string;
  fastifyPg: string;
  nginx: string | null;
  nginxSkipped?: string;
  stop(): Promise<void>;
}

async function startPeers(runtime: Runtime, legacyUrl: string): Promise<Peers> {
  const [upstreamPort, nginxPort, fastifyPort, fastifyPgPort] = (await Promise.all(
    Array.from({ length: 4 }, () => freePort()),
  )) as [number, number, number, number];
  const started = [
    startNode(runtime, path.join(here, 'upstream.mjs'), [String(upstreamPort)]),
    startNode(runtime, path.join(here, 'fastify-static.mjs'), [String(fastifyPort)]),
    startNode(runtime, path.join(here, 'fastify-pg.mjs'), [String(fastifyPgPort), legacyUrl]),
  ];
  const nginx = nginxBinary();
  if ('path' in nginx) started.push(startNginx(nginx.path, nginxPort, upstreamPort));
  const [, fastifyChild, fastifyPgChild, nginxChild] = started;
  if (fastifyChild?.pid) serverPids.set(`http://127.0.0.1:${fastifyPort}/`, fastifyChild.pid);
  if (fastifyPgChild?.pid) serverPids.set(`http://127.0.0.1:${fastifyPgPort}/`, fastifyPgChild.pid);
  if (nginxChild?.pid) serverPids.set(`http://127.0.0.1:${nginxPort}/`, nginxChild.pid);
  await Promise.all(
    [upstreamPort, fastifyPort, fastifyPgPort, ...('path' in nginx ? [nginxPort] : [])].map((p) => waitForPort(p)),
  );
  return {
    fastify: `http://127.0.0.1:${fastifyPort}/static`,
    fastifyPg: `http://127.0.0.1:${fastifyPgPort}/widgets/7`,
    nginx: 'path' in nginx ? `http://127.0.0.1:${nginxPort}/widgets/7` : null,
    nginxSkipped: 'skipped' in nginx ? nginx.skipped : undefined,
    upstreamPort,
    stop: async () => {
      await Promise.all(started.map((c) => stopChild(c)));
    },
  } as Peers & { upstreamPort: number };
}

interface Portico {
  base: string;
  auth: Record<string, string>;
  process: ChildProcess;
  countLog(since: number): Promise<number>;
  dispose(): Promise<void>;
  profileDir: string | null;
  adminToken: string;
  dataDir: string;
}

async function startPortico(
  runtime: Runtime,
  database: SystemDb,
  legacyUrl: string,
  upstreamPort: number,
  env: Record<string, string> = {},
): Promise<Portico> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-data-'));
  const password = 'bench-admin-password';
  let systemDb: string | null = null;
  let systemUrl: string | null = null;
  if (database === 'postgres') {
    systemDb = `portico_bench_system_${process.pid}_${Date.now() % 1_000_000}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${systemDb}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${systemDb}`;
    systemUrl = u.toString();
  }
  const profileDir = profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-profile-')) : null;
  const child = startNode(
    runtime,
    path.join(root, 'server/src/main.ts'),
    ['serve'],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(systemUrl ? { DATABASE_URL: systemUrl } : {}),
      PORTICO_ADMIN_EMAIL: 'bench@example.com',
      PORTICO_ADMIN_PASSWORD: password,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_SECRET_KEY: 'bench-secret-key-0123456789',
      LOG_LEVEL: 'warn',
      ...env,
    },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  await waitForPort(port);
  const base = `http://127.0.0.1:${port}`;
  if (child.pid) serverPids.set(`${base}/`, child.pid);
  const adminToken = await tokenFor(base, 'bench', password);
  await api(base, adminToken, 'POST', '/backend/connection', {
    name: 'legacy-db',
    class: 'Fusio.Adapter.Sql.Connection.SqlAdvanced',
    config: { url: legacyUrl },
  });
  await api(base, adminToken, 'POST', '/backend/connection', {
    name: 'legacy-api',
    class: 'Fusio.Adapter.Http.Connection.Http',
    config: { url: `http://127.0.0.1:${upstreamPort}` },
  });
  const actions = [
    { name: 'hello', class: 'Fusio.Adapter.Util.Action.UtilStaticResponse', config: { response: '{"hello":"world"}' } },
    {
      name: 'widget-proxy',
      class: 'Fusio.Adapter.Http.Action.HttpProcessor',
      config: { connection: 'legacy-api', url: '/widgets/{id}' },
    },
    {
      name: 'widget-row',
      class: 'Fusio.Adapter.Sql.Action.SqlSelectRow',
      config: { connection: 'legacy-db', table: 'bench_widgets' },
    },
  ];
  for (const action of actions) await api(base, adminToken, 'POST', '/backend/action', action);
  const operations = [
    { name: 'bench.public', httpMethod: 'GET', httpPath: '/public', action: 'hello', public: true },
    { name: 'bench.protected', httpMethod: 'GET', httpPath: '/protected', action: 'hello', scopes: ['bench'] },
    { name: 'bench.proxy', httpMethod: 'GET', httpPath: '/proxy/:id', action: 'widget-proxy', scopes: ['bench'] },
    { name: 'bench.row', httpMethod: 'GET', httpPath: '/widgets/:id', action: 'widget-row', scopes: ['bench'] },
  ];
  const ids: number[] = [];
  for (const operation of operations) {
    ids.push(Number(((await api(base, adminToken, 'POST', '/backend/operation', operation)) as { id: string }).id));
  }
  // a rate applies to every call, as in production, with a limit the benchmark never reaches
  await api(base, adminToken, 'POST', '/backend/rate', {
    name: 'Bench',
    priority: 100,
    rateLimit: 1_000_000_000,
    timespan: 'PT1H',
    allocation: ids.map((operationId) => ({ operationId })),
  });
  const me = (await api(base, adminToken, 'GET', '/authorization/whoami')) as { id: number };
  await api(base, adminToken, 'PUT', `/backend/user/${me.id}`, { scopes: ['bench'] });
  const app = (await api(base, adminToken, 'POST', '/backend/app', {
    userId: me.id,
    name: 'Bench client',
    url: 'https://bench.example.com',
    scopes: ['bench'],
  })) as { appKey: string; appSecret: string };
  const token = await tokenFor(base, app.appKey, app.appSecret, 'bench');

  const countLog = async (since: number): Promise<number> => {
    const sql =
      "select count(*) as n from logs where date >= ? and path in ('/public', '/protected', '/proxy/7', '/widgets/7')";
    if (systemUrl) {
      const client = new pg.Client({ connectionString: systemUrl });
      await client.connect();
      try {
        const { rows } = await client.query(sql.replace('?', '$1'), [since]);
        return Number(rows[0].n);
      } finally {
        await client.end();
      }
    }
    const { default: SQLite } = await import('../../server/src/db/sqlite-driver.js');
    const sqlite = new SQLite(path.join(dataDir, 'portico.db'), { readonly: true });
    try {
      return Number((sqlite.prepare(sql).get(since) as { n: number }).n);
    } finally {
      sqlite.close();
    }
  };
  return {
    base,
    auth: { authorization: `Bearer ${token}` },
    process: child,
    countLog,
    profileDir,
    adminToken,
    dataDir,
    dispose: async () => {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (systemDb) {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${systemDb} with (force)`);
        await admin.end();
      }
    },
  };
}

const fmt = (r: { rps: number; p50: number; p99: number; cpuUs?: number }) =>
  `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.cpuUs ? `, ${r.cpuUs.toFixed(0)} µs CPU` : ''}`;

interface ScenarioPlan {
  name: string;
  target: number | null;
  path: string;
  authenticated: boolean;
  peerName: string;
  peerUrl: string | null;
}

/** One Portico against the peers: warm-up, then the rounds, the soak, a clean stop and the log count. */
async function benchPortico(
  runtime: Runtime,
  database: SystemDb,
  label: string,
  peers: Peers & { upstreamPort: number },
  legacyUrl: string,
  plans: (peers: Peers) => ScenarioPlan[],
  env: Record<string, string> = {},
  soakFor = soakSeconds,
): Promise<{ scenarios: ScenarioResult[]; run: PorticoRun }> {
  console.log(`\n== ${runtime.name}, Portico on ${label}`);
  const portico = await startPortico(runtime, database, legacyUrl, peers.upstreamPort, env);
  const started = Date.now();
  let porticoRequests = 0;
  let porticoRuns = 0;
  // the measured runs, on the monotonic clock V8's profiler uses too: the profile summary counts only them
  const windows: [number, number][] = [];
  let measuredRequests = 0;
  const hit = async (url: string, seconds: number, headers: Record<string, string>, measured = true) => {
    const from = Number(process.hrtime.bigint() / 1000n);
    const result = await measure(url, seconds, headers);
    if (url.startsWith(portico.base)) {
      porticoRequests += result.requests;
      porticoRuns++;
      if (measured) {
        windows.push([from, Number(process.hrtime.bigint() / 1000n)]);
        measuredRequests += result.requests;
      }
    }
    return result;
  };
  const scenarios = plans(peers).filter((s) => s.name.replace(/ /g, '-').includes(only));
  // warm-up: every URL once, so the JIT has seen each path before the first measured round
  for (const s of scenarios) {
    await hit(`${portico.base}${s.path}`, warmup, s.authenticated ? portico.auth : {}, false);
    if (s.peerUrl) await hit(s.peerUrl, warmup, {}, false);
  }
  const perRound = scenarios.map(() => [] as { portico: LoadResult; peer: LoadResult | null }[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, s] of scenarios.entries()) {
      const ours = () => hit(`${portico.base}${s.path}`, duration, s.authenticated ? portico.auth : {});
      const theirs = () => (s.peerUrl ? hit(s.peerUrl, duration, {}) : Promise.resolve(null));
      let mine: LoadResult;
      let peer: LoadResult | null;
      if (round % 2 === 0) {
        peer = await theirs();
        mine = await ours();
      } else {
        mine = await ours();
        peer = await theirs();
      }
      perRound[i]?.push({ portico: mine, peer });
      console.log(
        `  round ${round + 1} ${s.name.padEnd(26)} Portico ${fmt(mine)}${mine.non2xx ? ` (${mine.non2xx} non-2xx!)` : ''}${peer ? ` | ${s.peerName} ${fmt(peer)} | ${(mine.rps / peer.rps).toFixed(2)}×` : ''}`,
      );
    }
  }
  const results: ScenarioResult[] = scenarios.map((s, i) => {
    const list = perRound[i] ?? [];
    const peerRuns = list.map((r) => r.peer).filter((r): r is LoadResult => r !== null);
    const ratio = peerRuns.length ? median(list.map((r) => (r.peer ? r.portico.rps / r.peer.rps : Number.NaN))) : null;
    const cpuRatio = peerRuns.length
      ? median(list.map((r) => (r.peer?.cpuUs && r.portico.cpuUs ? r.peer.cpuUs / r.portico.cpuUs : Number.NaN)))
      : null;
    return {
      runtime: runtime.name,
      database: label,
      name: s.name,
      target: s.target,
      peerName: s.peerUrl ? s.peerName : `${s.peerName}: skipped`,
      portico: {
        rps: median(list.map((r) => r.portico.rps)),
        p50: median(list.map((r) => r.portico.p50)),
        p99: median(list.map((r) => r.portico.p99)),
        cpuUs: median(list.map((r) => r.portico.cpuUs ?? Number.NaN)),
      },
      peer: peerRuns.length
        ? {
            rps: median(peerRuns.map((r) => r.rps)),
            p50: median(peerRuns.map((r) => r.p50)),
            p99: median(peerRuns.map((r) => r.p99)),
            cpuUs: median(peerRuns.map((r) => r.cpuUs ?? Number.NaN)),
          }
        : null,
      ratio,
      cpuRatio,
      rounds: list,
    };
  });
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(26)} median ratio ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`}${r.target && r.ratio !== null ? ` (target ≥ ${r.target}×: ${r.ratio >= r.target ? 'met' : 'MISSED'})` : ''}; Portico p99 ${r.portico.p99.toFixed(2)} ms; CPU per request ${r.portico.cpuUs.toFixed(0)} µs${r.peer ? ` vs ${r.peer.cpuUs.toFixed(0)} µs (${r.cpuRatio?.toFixed(2)}×)` : ''}`,
    );
  }

  let soak: PorticoRun['soak'] = null;
  if (soakFor > 0 && portico.process.pid) {
    const url = `${portico.base}/protected`;
    const rssStart = rssOf(portico.process.pid);
    await hit(url, soakFor, portico.auth, false);
    const rssEnd = rssOf(portico.process.pid);
    soak = { seconds: soakFor, rssStart, rssEnd, growth: (rssEnd - rssStart) / rssStart };
    console.log(
      `  soak ${soakFor} s after the rounds: RSS ${(rssStart / 2 ** 20).toFixed(1)} → ${(rssEnd / 2 ** 20).toFixed(1)} MiB (${(soak.growth * 100).toFixed(1)} %, target < 10 %)`,
    );
  }

  // a clean stop writes what is buffered; then every answered request must be in the request log
  await stopChild(portico.process);
  const logged = await portico.countLog(started);
  const expected = porticoRequests;
  // the generator counts the responses it read before it stopped; the few still in flight then were
  // answered and logged too, so the log may hold up to one request per connection and run more
  const complete = logged >= expected && logged <= expected + connections * porticoRuns;
  console.log(
    `  request log: ${logged} rows for ${expected} requests the load generator counted${complete ? ' — all there' : ' — MISSING ROWS'}`,
  );
  let profileSummary: string | undefined;
  if (portico.profileDir) {
    const file = fs.readdirSync(portico.profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      const target = path.join(
        root,
        'bench/results',
        `profile-${runtime.name.replace(/\W+/g, '')}-${label.replace(/\W+/g, '-')}.cpuprofile`,
      );
      fs.copyFileSync(path.join(portico.profileDir, file), target);
      profileSummary = summariseProfile(target, measuredRequests, windows);
      console.log(profileSummary);
    }
  }
  await portico.dispose();
  return {
    scenarios: results,
    run: {
      runtime: runtime.name,
      database: label,
      requestLog: { expected, logged, complete },
      soak,
      profile: profileSummary,
    },
  };
}

/**
 * What the firewall costs a request: the protected static operation on the default install, rounds
 * alternating between no rules and 5,000 deny rules that do not cover the client (written straight into
 * the system database, then one rule through the API so every node rebuilds), CPU per request of each.
 */
async function firewallCost(runtime: Runtime, legacyUrl: string): Promise<string[]> {
  const lines: string[] = [];
  const say = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  const portico = await startPortico(runtime, 'sqlite', legacyUrl, 1);
  const { default: SQLite } = await import('../../server/src/db/sqlite-driver.js');
  const url = `${portico.base}/protected`;
  const ruleCount = option('--firewall-rules', 5000);
  const setRules = async (on: boolean) => {
    const db = new SQLite(path.join(portico.dataDir, 'portico.db'));
    try {
      db.prepare("delete from firewall where name like 'bench-%'").run();
      if (on) {
        const insert = db.prepare(
          'insert into firewall (name, type, ip, expire, metadata, updated_at) values (?, 0, ?, null, null, ?)',
        );
        const now = Date.now();
        db.transaction(() => {
          for (let i = 0; i < ruleCount; i++) insert.run(`bench-${i}`, `100.${(i >> 8) & 255}.${i & 255}.0/24`, now);
        })();
      }
    } finally {
      db.close();
    }
    // one change through the API: the firewall reloads every rule (with none, the trigger goes again)
    const trigger = (await api(portico.base, portico.adminToken, 'POST', '/backend/firewall', {
      name: `bench-trigger-${Date.now()}`,
      type: 0,
      ip: '198.18.0.1',
    })) as { id?: string | number };
    if (!on) await api(portico.base, portico.adminToken, 'DELETE', `/backend/firewall/${trigger.id}`);
  };
  try {
    await load(url, warmup, portico.auth);
    const none: LoadResult[] = [];
    const many: LoadResult[] = [];
    const firewallRounds = Math.max(rounds, 5);
    for (let round = 0; round < firewallRounds; round++) {
      for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
        await setRules(on);
        await load(url, 1, portico.auth);
        const result = await measure(url, duration, portico.auth);
        if (result.non2xx > 0)
          throw new Error(`${result.non2xx} answers were not 2xx with the firewall ${on ? 'full' : 'empty'}`);
        (on ? many : none).push(result);
        console.log(`  round ${round + 1} ${on ? `${ruleCount} rules` : 'no rules'}: ${fmt(result)}`);
      }
    }
    const cost = median(
      none.map((r, i) => ((many[i]?.cpuUs ?? Number.NaN) - (r.cpuUs ?? Number.NaN)) / (r.cpuUs ?? Number.NaN)),
    );
    const rpsCost = median(none.map((r, i) => 1 - (many[i]?.rps ?? Number.NaN) / r.rps));
    say(
      `## Firewall cost on the protected static operation (${runtime.name}, SQLite, ${firewallRounds} alternating rounds of ${duration} s)`,
    );
    say(
      `  no rules: ${median(none.map((r) => r.cpuUs ?? Number.NaN)).toFixed(1)} µs CPU per request, ${Math.round(median(none.map((r) => r.rps)))} req/s`,
    );
    say(
      `  ${ruleCount} deny rules not covering the client: ${median(many.map((r) => r.cpuUs ?? Number.NaN)).toFixed(1)} µs CPU per request, ${Math.round(median(many.map((r) => r.rps)))} req/s`,
    );
    say(
      `  cost: ${(cost * 100).toFixed(1)} % CPU per request (median of the rounds' differences; target < 2 %), ${(rpsCost * 100).toFixed(1)} % req/s`,
    );
    say(
      `  (load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end; ${new Date().toISOString().slice(0, 16)} UTC)`,
    );
  } finally {
    await portico.dispose();
  }
  return lines;
}

async function main(): Promise<void> {
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  const generator = have('wrk') ? 'wrk (1 thread)' : 'autocannon';
  const runtimes: Runtime[] = flag('--no-machine-node')
    ? []
    : [{ name: `Node ${process.versions.node}`, execPath: process.execPath }];
  if (withNode24 || runtimes.length === 0) runtimes.push(node24());
  console.log(
    `Portico gateway benchmark on ${machine}; ${runtimes.map((r) => r.name).join(' and ')}; load from ${generator}, ${connections} connections; ${rounds} rounds of ${duration} s per side after ${warmup} s warm-up; system databases: ${databases.join(', ')}`,
  );
  const benchStarted = Date.now();

  const legacyDb = `portico_bench_legacy_${process.pid}_${Date.now() % 100000}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${legacyDb}`);
  const u = new URL(adminUrl);
  u.pathname = `/${legacyDb}`;
  const legacyUrl = u.toString();
  const legacy = new pg.Client({ connectionString: legacyUrl });
  await legacy.connect();
  await legacy.query(
    'create table bench_widgets (id serial primary key, name varchar(64) not null, price numeric(10,2) not null, created_at timestamptz not null default now())',
  );
  await legacy.query(
    "insert into bench_widgets (name, price) select 'widget ' || g, (g % 100) + 0.99 from generate_series(1, 1000) g",
  );
  await legacy.end();

  if (firewallOnly) {
    try {
      const lines: string[] = [];
      for (const runtime of runtimes) lines.push(...(await firewallCost(runtime, legacyUrl)), '');
      fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
      fs.writeFileSync(path.join(root, 'bench/results/firewall.md'), `${lines.join('\n')}`);
    } finally {
      await admin.query(`drop database if exists ${legacyDb} with (force)`);
      await admin.end();
    }
    return;
  }
  const allScenarios: ScenarioResult[] = [];
  const runs: PorticoRun[] = [];
  const matrix = (peers: Peers): ScenarioPlan[] => [
    {
      name: 'public static',
      target: null,
      path: '/public',
      authenticated: false,
      peerName: 'Fastify',
      peerUrl: peers.fastify,
    },
    {
      name: 'protected static',
      target: 0.7,
      path: '/protected',
      authenticated: true,
      peerName: 'Fastify',
      peerUrl: peers.fastify,
    },
    {
      name: 'protected HTTP proxy',
      target: 0.45,
      path: '/proxy/7',
      authenticated: true,
      peerName: 'nginx',
      peerUrl: peers.nginx,
    },
    {
      name: 'protected SQL select-row',
      target: 0.8,
      path: '/widgets/7',
      authenticated: true,
      peerName: 'Fastify+pg',
      peerUrl: peers.fastifyPg,
    },
  ];
  try {
    for (const runtime of runtimes) {
      const peers = (await startPeers(runtime, legacyUrl)) as Peers & { upstreamPort: number };
      if (peers.nginxSkipped) console.log(`(${peers.nginxSkipped})`);
      try {
        for (const database of databases) {
          const label = database === 'sqlite' ? 'SQLite (default)' : 'PostgreSQL';
          // RSS over the soak is the same question on every runtime: asked on the first
          const soak = runtime === runtimes[0] ? soakSeconds : 0;
          const { scenarios, run } = await benchPortico(runtime, database, label, peers, legacyUrl, matrix, {}, soak);
          allScenarios.push(...scenarios);
          runs.push(run);
        }
        if (compareLogThread && runtime === runtimes[0]) {
          // what the SQLite request log's writer thread saves: the same Portico, writing on its serving thread
          const { scenarios, run } = await benchPortico(
            runtime,
            'sqlite',
            'SQLite, log written on the serving thread',
            peers,
            legacyUrl,
            (p) => matrix(p).filter((s) => s.name === 'protected static'),
            { REQUEST_LOG_THREAD: 'false' },
            0,
          );
          allScenarios.push(...scenarios);
          runs.push(run);
        }
      } finally {
        await peers.stop();
      }
    }
  } finally {
    await admin.query(`drop database if exists ${legacyDb} with (force)`);
    await admin.end();
  }

  const minutes = (Date.now() - benchStarted) / 60_000;
  const results = {
    date: new Date().toISOString(),
    machine,
    runtimes: runtimes.map((r) => r.name),
    generator,
    connections,
    rounds,
    durationSeconds: duration,
    warmupSeconds: warmup,
    minutes,
    scenarios: allScenarios,
    runs,
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(root, 'bench/results/latest.svg'), svgChart(allScenarios));
  const cell = (r: { rps: number; p99: number; cpuUs: number } | null) =>
    r
      ? `${Math.round(r.rps)} | ${r.p99.toFixed(2)} | ${Number.isFinite(r.cpuUs) ? r.cpuUs.toFixed(0) : '–'}`
      : '– | – | –';
  const table = [
    '| Runtime | System DB | Scenario | Portico req/s | p99 ms | CPU µs/req | Peer | Peer req/s | p99 ms | CPU µs/req | Ratio | Target | CPU ratio |',
    '|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...allScenarios.map(
      (s) =>
        `| ${s.runtime} | ${s.database} | ${s.name} | ${cell(s.portico)} | ${s.peerName} | ${cell(s.peer)} | ${s.ratio === null ? '–' : `**${s.ratio.toFixed(2)}×**`} | ${s.target ? `≥ ${s.target}× ${s.ratio !== null && s.ratio >= s.target ? '✓' : '✗'}` : '–'} | ${s.cpuRatio === null || !Number.isFinite(s.cpuRatio) ? '–' : `${s.cpuRatio.toFixed(2)}×`} |`,
    ),
  ].join('\n');
  const logLine = runs
    .map(
      (r) =>
        `${r.runtime}, ${r.database}: ${r.requestLog.logged} rows for ${r.requestLog.expected} requests${r.requestLog.complete ? '' : ' (MISSING ROWS)'}${r.soak ? `; RSS over a ${r.soak.seconds} s soak ${(r.soak.rssStart / 2 ** 20).toFixed(0)} → ${(r.soak.rssEnd / 2 ** 20).toFixed(0)} MiB (${(r.soak.growth * 100).toFixed(1)} %)` : ''}`,
    )
    .join('; ');
  const md = `${table}\n\n${machine}; ${generator}, ${connections} connections; median of ${rounds} alternating rounds of ${duration} s per side after ${warmup} s warm-up; ${new Date().toISOString().slice(0, 10)}; the run took ${minutes.toFixed(1)} min. Ratio: Portico's req/s over the peer's; CPU ratio: the peer's CPU per request over Portico's (user + system time of the serving processes, worker threads included) — what the ratio would be if each had its cores to itself, steadier on a shared machine. Request log and memory: ${logLine}.\n`;
  fs.writeFileSync(path.join(root, 'bench/results/latest.md'), md);
  console.log(`\n${md}\nwritten: bench/results/latest.json, latest.md, latest.svg`);
}

main().catch((error) => {
  console.error(error);
  cleanup();
  process.exit(1);
});
