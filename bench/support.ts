/** Helpers the benchmarks share: ports, the admin API, tokens, memory and medians. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 90_000): Promise<void> {
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

export async function api(base: string, token: string, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function tokenFor(base: string, id: string, secret: string, scope?: string): Promise<string> {
  const res = await fetch(`${base}/authorization/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`login failed: ${JSON.stringify(json)}`);
  return json.access_token;
}

export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export const median = (values: number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** One load run against a URL: wrk (one thread) when installed, else autocannon; 50 connections. */
export async function load(
  url: string,
  seconds: number,
  headers: Record<string, string> = {},
  connections = 50,
): Promise<LoadResult> {
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
    return {
      requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
      p50: percentile('50'),
      p99: percentile('99'),
      non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
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

/** Node 24 from the npm registry's `node` package, in a scratch folder outside the checkout (as .ci/run). */
export function node24(): string {
  const dir = path.join(os.tmpdir(), 'portico-bench-node24');
  const bin = path.join(dir, 'node_modules/node/bin/node');
  const version = () => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(bin) || !version().startsWith('v24.')) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      '{"name":"portico-bench-node","private":true,"allowScripts":{"node":true}}\n',
    );
    console.log('installing Node 24 (npm package node@24) into', dir);
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-save', `node@${process.env.CI_NODE24_VERSION ?? 24}`],
      { cwd: dir, stdio: 'ignore', timeout: 300_000 },
    );
  }
  return bin;
}
