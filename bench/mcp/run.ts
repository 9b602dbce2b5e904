/**
 * What an operation costs as an MCP tool call and as a JSON-RPC call, next to the same operation over HTTP.
 *
 *   node --import tsx bench/mcp/run.ts [--seconds 5] [--rounds 3] [--connections 8] [--profile]
 *
 * Starts Portico (SQLite in a temp folder) with one public operation answering a static body, then loads it
 * three ways in alternating rounds: `GET /bench/hello`, `tools/call` on one MCP session (Streamable HTTP),
 * and `POST /jsonrpc`. Prints the medians of req/s, latency and the server's CPU per call (from /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { api, freePort, median, tokenFor, waitForPort } from '../support.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const seconds = option('--seconds', 5);
const rounds = option('--rounds', 3);
const connections = option('--connections', 8);
const root = path.resolve(import.meta.dirname, '../..');
/** --profile: Portico runs under `node --cpu-prof`; the profile's folder is printed at the end */
const profileDir = args.includes('--profile')
  ? fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-mcp-prof-'))
  : null;

function cpuOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  errors: number;
}

async function load(pid: number, options: autocannon.Options): Promise<Run> {
  const before = cpuOf(pid);
  const result = await autocannon({ connections, duration: seconds, ...options });
  const used = cpuOf(pid) - before;
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: requests ? used / requests : Number.NaN,
    errors: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-mcp-'));
  const password = 'bench-admin-password';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--import',
      'tsx',
      path.join(root, 'server/src/main.ts'),
      'serve',
    ],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PORTICO_ADMIN_EMAIL: 'bench@example.com',
        PORTICO_ADMIN_PASSWORD: password,
        PORTICO_DATA_DIR: dataDir,
        PORTICO_SECRET_KEY: 'bench-secret-key-0123456789',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitForPort(port);
    const base = `http://127.0.0.1:${port}`;
    const token = await tokenFor(base, 'bench', password);
    await api(base, token, 'POST', '/backend/action', {
      name: 'hello',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"hello":"world"}' },
    });
    await api(base, token, 'POST', '/backend/operation', {
      name: 'bench.hello',
      httpMethod: 'GET',
      httpPath: '/bench/hello',
      httpCode: 200,
      action: 'hello',
      public: true,
      description: 'Says hello',
    });
    const created = (await api(base, token, 'GET', '/backend/operation/~bench.hello')) as { id: number };
    // a rate applies to every call, as in production, with a limit the benchmark never reaches
    await api(base, token, 'POST', '/backend/rate', {
      name: 'Bench',
      priority: 100,
      rateLimit: 1_000_000_000,
      timespan: 'PT1H',
      allocation: [{ operationId: created.id }],
    });
    const auth = { authorization: `Bearer ${token}` };
    const mcpHeaders = {
      ...auth,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const init = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: mcpHeaders,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
      }),
    });
    const session = init.headers.get('mcp-session-id');
    await init.text();
    if (!session) throw new Error(`no MCP session: ${init.status}`);
    const sessionHeaders = { ...mcpHeaders, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    await (
      await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      })
    ).text();
    let id = 1;
    const modes: Record<string, autocannon.Options> = {
      http: { url: `${base}/bench/hello`, headers: auth },
      mcp: {
        url: `${base}/mcp`,
        method: 'POST',
        headers: sessionHeaders,
        requests: [
          {
            // request ids are unique within a session
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: id++,
                method: 'tools/call',
                params: { name: 'bench.hello', arguments: {} },
              }),
            }),
          },
        ],
      },
      jsonrpc: {
        url: `${base}/jsonrpc`,
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'bench.hello' }),
      },
    };
    // each way answers the operation's body (an error inside a 200 would make a cheap, wrong figure)
    const rpc = await (
      await fetch(modes.jsonrpc!.url as string, { ...modes.jsonrpc, body: modes.jsonrpc!.body as string })
    ).text();
    const tool = await (
      await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'tools/call',
          params: { name: 'bench.hello', arguments: {} },
        }),
      })
    ).text();
    if (!rpc.includes('"result":{"hello":"world"}') || !tool.includes('"structuredContent":{"hello":"world"}')) {
      throw new Error(`unexpected answers: ${rpc} ${tool}`);
    }
    // warm up each way once
    for (const options of Object.values(modes)) await autocannon({ ...options, connections, duration: 1 });
    const runs: Record<string, Run[]> = { http: [], mcp: [], jsonrpc: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [mode, options] of Object.entries(modes)) runs[mode]!.push(await load(child.pid!, options));
    }
    const http = median(runs.http!.map((r) => r.cpuUs));
    console.log(`${rounds} rounds of ${seconds} s, ${connections} connections, ${os.cpus().length} cores (medians):`);
    for (const [mode, list] of Object.entries(runs)) {
      const cpu = median(list.map((r) => r.cpuUs));
      console.log(
        `  ${mode.padEnd(8)} ${Math.round(median(list.map((r) => r.rps)))} req/s, p50 ${median(list.map((r) => r.p50))} ms, ` +
          `p99 ${median(list.map((r) => r.p99))} ms, ${cpu.toFixed(0)} µs CPU per call (${(cpu / http).toFixed(2)}× HTTP)` +
          `, ${list.reduce((n, r) => n + r.errors, 0)} errors`,
      );
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    if (profileDir) console.log(`CPU profile in ${profileDir}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
