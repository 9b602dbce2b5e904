/**
 * Portico against its peers, on this machine, in one run:
 *
 *   npm run bench                     # all scenarios, 15 s each after a 5 s warm-up
 *   npm run bench -- --duration 30 --connections 64 --soak 300
 *
 * Starts a small upstream HTTP server, nginx as a reverse proxy to it (Debian's nginx-light, installed if
 * missing; skipped with a note when that is not possible), a bare Fastify route, a hand-written
 * Fastify + pg route, and Portico (PostgreSQL system database) with four operations: a public static
 * response, the same protected (JWT + scope + rate limit + request log), a protected HTTP proxy to the
 * upstream, and a protected SQL select-row. Each pair is loaded with the same generator (wrk when
 * installed, else autocannon) at fixed concurrency. Prints req/s, p50, p99 and the Portico/peer ratio;
 * writes bench/results/latest.json, latest.md and latest.svg; counts Portico's request log afterwards;
 * with --soak, loads Portico for that many seconds and reports RSS growth.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const duration = option('--duration', 15);
const warmup = option('--warmup', 5);
const connections = option('--connections', 50);
const soakSeconds = option('--soak', 0);
const adminUrl = process.env.PORTICO_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

interface Scenario {
  name: string;
  target: number | null;
  portico: LoadResult;
  peer: LoadResult | null;
  peerName: string;
  ratio: number | null;
}

const children: ChildProcess[] = [];
function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

function startNode(script: string, scriptArgs: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(script, scriptArgs, {
    cwd: root,
    env: { ...process.env, ...env },
    execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

/** Runs the load generator once against a URL. */
async function load(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  if (have('wrk')) {
    const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headerArgs, url], {
      encoding: 'utf8',
      timeout: (seconds + 60) * 1000,
    });
    const toMs = (value: string, unit: string) =>
      Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);
    const percentile = (p: string) => {
      const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(out);
      return m ? toMs(m[1] as string, m[2] as string) : Number.NaN;
    };
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    return {
      requests,
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
      p50: percentile('50'),
      p99: percentile('99'),
      non2xx,
    };
  }
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, connections, duration: seconds, headers });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

async function api(base: string, token: string, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function tokenFor(base: string, id: string, secret: string, scope?: string): Promise<string> {
  const res = await fetch(`${base}/authorization/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`login failed: ${JSON.stringify(json)}`);
  return json.access_token;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function svgChart(scenarios: Scenario[]): string {
  const width = 760;
  const rowHeight = 70;
  const height = 60 + scenarios.length * rowHeight;
  const max = Math.max(...scenarios.flatMap((s) => [s.portico.rps, s.peer?.rps ?? 0]));
  const bar = (value: number) => Math.max(1, (value / max) * (width - 260));
  const rows = scenarios
    .map((s, i) => {
      const y = 50 + i * rowHeight;
      const ratio = s.ratio === null ? '' : ` — ${s.ratio.toFixed(2)}×${s.target ? ` (target ${s.target}×)` : ''}`;
      return `<text x="10" y="${y}" font-size="13" font-weight="bold">${s.name}${ratio}</text>
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
  <title>Portico against its peers, requests per second</title>
  <rect width="100%" height="100%" fill="white"/>
  <text x="10" y="24" font-size="15" font-weight="bold">Portico vs peers, requests per second (${os.cpus().length} cores, ${connections} connections)</text>
  ${rows}
</svg>
`;
}

async function main(): Promise<void> {
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const generator = have('wrk') ? 'wrk (1 thread)' : 'autocannon';
  console.log(
    `Portico gateway benchmark on ${machine}; load from ${generator}, ${connections} connections, ${duration} s`,
  );

  const suffix = `${process.pid}_${Date.now() % 100000}`;
  const legacyDb = `portico_bench_legacy_${suffix}`;
  const systemDb = `portico_bench_system_${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${legacyDb}`);
  await admin.query(`create database ${systemDb}`);
  const dbUrl = (name: string) => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const legacy = new pg.Client({ connectionString: dbUrl(legacyDb) });
  await legacy.connect();
  await legacy.query(
    'create table bench_widgets (id serial primary key, name varchar(64) not null, price numeric(10,2) not null, created_at timestamptz not null default now())',
  );
  await legacy.query(
    "insert into bench_widgets (name, price) select 'widget ' || g, (g % 100) + 0.99 from generate_series(1, 1000) g",
  );
  await legacy.end();

  try {
    const [upstreamPort, nginxPort, fastifyPort, fastifyPgPort, porticoPort] = (await Promise.all(
      Array.from({ length: 5 }, () => freePort()),
    )) as [number, number, number, number, number];
    startNode(path.join(here, 'upstream.mjs'), [String(upstreamPort)]);
    startNode(path.join(here, 'fastify-static.mjs'), [String(fastifyPort)]);
    startNode(path.join(here, 'fastify-pg.mjs'), [String(fastifyPgPort), dbUrl(legacyDb)]);
    const nginx = nginxBinary();
    if ('path' in nginx) startNginx(nginx.path, nginxPort, upstreamPort);
    const password = 'bench-admin-password';
    const portico = startNode(path.join(root, 'server/src/main.ts'), ['serve'], {
      PORT: String(porticoPort),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl(systemDb),
      PORTICO_ADMIN_EMAIL: 'bench@example.com',
      PORTICO_ADMIN_PASSWORD: password,
      PORTICO_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-data-')),
      PORTICO_SECRET_KEY: 'bench-secret-key-0123456789',
      LOG_LEVEL: 'warn',
    });
    await Promise.all(
      [upstreamPort, fastifyPort, fastifyPgPort, porticoPort, ...('path' in nginx ? [nginxPort] : [])].map((p) =>
        waitForPort(p),
      ),
    );

    const base = `http://127.0.0.1:${porticoPort}`;
    const adminToken = await tokenFor(base, 'bench', password);
    await api(base, adminToken, 'POST', '/backend/connection', {
      name: 'legacy-db',
      class: 'Fusio.Adapter.Sql.Connection.SqlAdvanced',
      config: { url: dbUrl(legacyDb) },
    });
    await api(base, adminToken, 'POST', '/backend/connection', {
      name: 'legacy-api',
      class: 'Fusio.Adapter.Http.Connection.Http',
      config: { url: `http://127.0.0.1:${upstreamPort}` },
    });
    const actions = [
      {
        name: 'hello',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{"hello":"world"}' },
      },
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
    const auth = { authorization: `Bearer ${token}` };
    const started = Date.now();
    let porticoRequests = 0;
    const run = async (url: string, headers: Record<string, string> = {}) => {
      await load(url, warmup, headers).then((r) => {
        if (url.startsWith(base)) porticoRequests += r.requests;
      });
      const result = await load(url, duration, headers);
      if (url.startsWith(base)) porticoRequests += result.requests;
      return result;
    };

    const scenarios: Scenario[] = [];
    const pair = async (
      name: string,
      target: number | null,
      porticoUrl: string,
      headers: Record<string, string>,
      peerName: string,
      peerUrl: string | null,
    ) => {
      const peer = peerUrl ? await run(peerUrl) : null;
      const ours = await run(porticoUrl, headers);
      const scenario: Scenario = {
        name,
        target,
        portico: ours,
        peer,
        peerName: peer ? peerName : `${peerName}: skipped`,
        ratio: peer ? ours.rps / peer.rps : null,
      };
      scenarios.push(scenario);
      const fmt = (r: LoadResult) =>
        `${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
      console.log(`\n${name}`);
      console.log(`  Portico   ${fmt(ours)}${ours.non2xx ? ` (${ours.non2xx} non-2xx!)` : ''}`);
      console.log(peer ? `  ${peerName.padEnd(9)} ${fmt(peer)}` : `  ${peerName}: skipped`);
      if (scenario.ratio !== null) {
        console.log(
          `  ratio     ${scenario.ratio.toFixed(2)}×${target ? ` (target ≥ ${target}×: ${scenario.ratio >= target ? 'met' : 'MISSED'})` : ''}`,
        );
      }
    };
    await pair('public static', null, `${base}/public`, {}, 'Fastify', `http://127.0.0.1:${fastifyPort}/static`);
    await pair('protected static', 0.7, `${base}/protected`, auth, 'Fastify', `http://127.0.0.1:${fastifyPort}/static`);
    await pair(
      'protected HTTP proxy',
      0.4,
      `${base}/proxy/7`,
      auth,
      'nginx',
      'path' in nginx ? `http://127.0.0.1:${nginxPort}/widgets/7` : null,
    );
    if ('skipped' in nginx) console.log(`  (${nginx.skipped})`);
    await pair(
      'protected SQL select-row',
      0.8,
      `${base}/widgets/7`,
      auth,
      'Fastify+pg',
      `http://127.0.0.1:${fastifyPgPort}/widgets/7`,
    );

    let soak: { seconds: number; rssStart: number; rssEnd: number; growth: number } | null = null;
    if (soakSeconds > 0 && portico.pid) {
      porticoRequests += (await load(`${base}/protected`, 10, auth)).requests;
      const rssStart = rssOf(portico.pid);
      const result = await load(`${base}/protected`, soakSeconds, auth);
      porticoRequests += result.requests;
      const rssEnd = rssOf(portico.pid);
      soak = { seconds: soakSeconds, rssStart, rssEnd, growth: (rssEnd - rssStart) / rssStart };
      console.log(
        `\nsoak ${soakSeconds} s: RSS ${(rssStart / 2 ** 20).toFixed(1)} → ${(rssEnd / 2 ** 20).toFixed(1)} MiB (${(soak.growth * 100).toFixed(1)} %, target < 10 %)`,
      );
    }

    // every answered request must be in the request log: give the batch writer a moment, then count
    const system = new pg.Client({ connectionString: dbUrl(systemDb) });
    await system.connect();
    let logged = 0;
    const expected = porticoRequests;
    for (let i = 0; i < 100; i++) {
      const { rows } = await system.query(
        "select count(*)::int as n from logs where date >= $1 and path in ('/public', '/protected', '/proxy/7', '/widgets/7')",
        [started],
      );
      logged = rows[0].n;
      if (logged >= expected) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await system.end();
    // the generator counts the responses it read before it stopped; the few still in flight then were
    // answered and logged too, so the log may hold up to one request per connection and run more
    const runs = scenarios.length * 2 + (soak ? 2 : 0);
    const complete = logged >= expected && logged <= expected + connections * runs;
    console.log(
      `\nrequest log: ${logged} rows for ${expected} requests the load generator counted${complete ? ' — all there' : ' — MISSING ROWS'}`,
    );

    const results = {
      date: new Date().toISOString(),
      machine,
      generator,
      connections,
      durationSeconds: duration,
      scenarios,
      requestLog: { expected, logged, complete },
      soak,
    };
    fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(root, 'bench/results/latest.svg'), svgChart(scenarios));
    const table = [
      '| Scenario | Portico req/s | p50 / p99 ms | Peer | Peer req/s | p50 / p99 ms | Ratio | Target |',
      '|---|---:|---:|---|---:|---:|---:|---:|',
      ...scenarios.map(
        (s) =>
          `| ${s.name} | ${Math.round(s.portico.rps)} | ${s.portico.p50.toFixed(2)} / ${s.portico.p99.toFixed(2)} | ${s.peerName} | ${s.peer ? Math.round(s.peer.rps) : '–'} | ${s.peer ? `${s.peer.p50.toFixed(2)} / ${s.peer.p99.toFixed(2)}` : '–'} | ${s.ratio === null ? '–' : `${s.ratio.toFixed(2)}×`} | ${s.target ? `≥ ${s.target}×` : '–'} |`,
      ),
    ].join('\n');
    fs.writeFileSync(
      path.join(root, 'bench/results/latest.md'),
      `${table}\n\n${machine}; ${generator}, ${connections} connections, ${warmup} s warm-up, ${duration} s per run; ${new Date().toISOString().slice(0, 10)}. Request log: ${logged} of ${expected} requests logged.${soak ? ` Soak ${soak.seconds} s: RSS ${(soak.growth * 100).toFixed(1)} %.` : ''}\n`,
    );
    console.log(`\nwritten: bench/results/latest.json, latest.md, latest.svg`);
  } finally {
    cleanup();
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`drop database if exists ${legacyDb} with (force)`);
    await admin.query(`drop database if exists ${systemDb} with (force)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  cleanup();
  process.exit(1);
});
