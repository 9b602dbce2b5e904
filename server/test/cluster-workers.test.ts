import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PorticoProcess, startPortico } from './support/cluster-process.js';

/**
 * `portico serve --workers 2` as a child process, without Redis. Each undici Client below is one kept-alive
 * TCP connection, and the primary hands a connection to one worker for its whole life, so a client whose
 * /system/health names worker 1 talks to worker 1 only: that is how the test sends a change through one
 * worker and reads it through the other.
 */

// custom actions live inside the package so `@portico/server` resolves, as in a user's project
const actionsDir = fs.mkdtempSync(path.join(import.meta.dirname, '..', '.tmp-actions-cluster-'));
const greeter = (version: number) => `
import { defineAction, response } from '@portico/server';
export default defineAction({
  name: 'Greeter',
  handle() {
    return response(200, { version: ${version} });
  },
});
`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

async function call(client: Client, method: 'GET' | 'POST' | 'PUT', p: string, token?: string, body?: unknown) {
  const res = await client.request({
    method,
    path: p,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  } satisfies Answer;
}

async function workerOf(client: Client): Promise<number> {
  const health = await call(client, 'GET', '/system/health');
  expect(health.status).toBe(200);
  return Number(health.body.worker);
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function pidOf(proc: PorticoProcess, worker: number): number {
  const started = proc.logs.find((l) => l.msg === 'worker started' && l.worker === worker);
  if (!started) throw new Error(`no start logged for worker ${worker}`);
  return Number(started.workerPid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Opens connections until two land on different workers; returns them by worker id. */
async function oneClientPerWorker(proc: PorticoProcess): Promise<Map<number, Client>> {
  const byWorker = new Map<number, Client>();
  for (let i = 0; i < 8 && byWorker.size < 2; i++) {
    const client = new Client(proc.baseUrl, { keepAliveTimeout: 60_000 });
    const worker = await workerOf(client);
    if (byWorker.has(worker)) await client.close();
    else byWorker.set(worker, client);
  }
  return byWorker;
}

describe('portico serve --workers 2', () => {
  let proc: PorticoProcess;
  let token: string;
  let a: Client;
  let b: Client;
  let workerA: number;
  let workerB: number;
  const clients: Client[] = [];

  beforeAll(async () => {
    fs.writeFileSync(path.join(actionsDir, 'greeter.ts'), greeter(1));
    // no admin password given: the primary generates one and prints it
    proc = await startPortico(['--workers', '2'], {
      PORTICO_ADMIN_PASSWORD: '',
      ACTIONS_DIR: actionsDir,
    });
    const byWorker = await oneClientPerWorker(proc);
    const pairs = [...byWorker.entries()];
    if (pairs.length !== 2) throw new Error('the connections did not reach two different workers');
    [workerA, a] = pairs[0] as [number, Client];
    [workerB, b] = pairs[1] as [number, Client];
    clients.push(a, b);
    const password = /Password:\s+(\S+)/.exec(proc.stderr())?.[1];
    const res = await proc.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await proc?.dispose();
    fs.rmSync(actionsDir, { recursive: true, force: true });
  });

  it('prepares the database once in the primary, then both workers answer', async () => {
    expect(workerA).not.toBe(workerB);
    expect(proc.stderr().match(/Created the administrator account/g)).toHaveLength(1);
    // the banner is for the terminal, never a line of the JSON log
    expect(proc.text()).not.toMatch(/Password:/);
    expect(JSON.stringify(proc.logs)).not.toMatch(/Password:/);
    expect(proc.logs.filter((l) => l.msg === 'worker started')).toHaveLength(2);
    const [pidA, pidB] = [pidOf(proc, workerA), pidOf(proc, workerB)];
    expect(new Set([pidA, pidB, proc.child.pid]).size).toBe(3);
    expect(token).toBeTruthy();
    // /metrics on either worker reports both, labelled
    const metrics = await (await proc.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toContain(`portico_requests_total{worker="${workerA}",operation="system.meta.getHealth"`);
    expect(metrics).toContain(`portico_requests_total{worker="${workerB}",operation="system.meta.getHealth"`);
    expect(metrics).toMatch(/^portico_cluster_workers 2$/m);
    expect(metrics.match(/^# TYPE portico_requests_total counter$/gm)).toHaveLength(1);
  });

  it('a change made through one worker is live on the other', async () => {
    expect((await call(b, 'GET', '/shared')).status).toBe(404);
    await expect(
      call(a, 'POST', '/backend/action', token, {
        name: 'shared',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{"version":1}' },
      }),
    ).resolves.toMatchObject({ status: 201 });
    await expect(
      call(a, 'POST', '/backend/operation', token, {
        name: 'shared.get',
        httpMethod: 'GET',
        httpPath: '/shared',
        action: 'shared',
        public: true,
      }),
    ).resolves.toMatchObject({ status: 201 });
    expect((await call(a, 'GET', '/shared')).body).toEqual({ version: 1 });
    await eventually(async () => ((await call(b, 'GET', '/shared')).status === 200 ? true : undefined), 3000);

    await call(a, 'PUT', '/backend/action/~shared', token, { config: { response: '{"version":2}' } });
    await eventually(async () => ((await call(b, 'GET', '/shared')).body.version === 2 ? true : undefined), 3000);
    expect(await workerOf(a)).toBe(workerA);
    expect(await workerOf(b)).toBe(workerB);
  });

  it('a rate limit of 10 holds exactly across both workers, counted in the primary', async () => {
    const op = await call(a, 'POST', '/backend/operation', token, {
      name: 'limited.get',
      httpMethod: 'GET',
      httpPath: '/limited',
      action: 'shared',
      public: true,
    });
    await call(a, 'POST', '/backend/rate', token, {
      name: 'Cluster-Ten',
      priority: 50,
      rateLimit: 10,
      timespan: 'PT1H',
      allocation: [{ operationId: Number(op.body.id) }],
    });
    // both workers know the rate before counting starts
    for (const client of [a, b]) {
      await eventually(async () =>
        (await call(client, 'GET', '/limited')).headers['ratelimit-limit'] === '10' ? true : undefined,
      );
    }
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(i % 2 === 0 ? a : b, 'GET', '/limited')),
    );
    const admitted = answers.filter((x) => x.status === 200);
    // two requests were spent above, making sure each worker had the rate
    expect(admitted).toHaveLength(8);
    expect(answers.filter((x) => x.status === 429)).toHaveLength(22);
    // one counter: every remaining value from 7 down to 0 given out exactly once
    expect(admitted.map((x) => Number(x.headers['ratelimit-remaining'])).sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('reloads custom actions in every worker on SIGHUP to the primary', async () => {
    await call(a, 'POST', '/backend/action', token, { name: 'greeter', class: 'Custom.greeter', config: {} });
    await call(a, 'POST', '/backend/operation', token, {
      name: 'greeter.get',
      httpMethod: 'GET',
      httpPath: '/greeter',
      action: 'greeter',
      public: true,
    });
    await eventually(async () => ((await call(b, 'GET', '/greeter')).body.version === 1 ? true : undefined), 15_000);
    fs.writeFileSync(path.join(actionsDir, 'greeter.ts'), greeter(2));
    proc.child.kill('SIGHUP');
    for (const client of [a, b]) {
      await eventually(
        async () => ((await call(client, 'GET', '/greeter')).body.version === 2 ? true : undefined),
        15_000,
      );
    }
  });

  it('replaces a worker that dies, while the other keeps serving', async () => {
    const pidA = pidOf(proc, workerA);
    process.kill(pidA, 'SIGKILL');
    await proc.waitForLog((l) => l.msg === 'worker died unexpectedly; starting a new one' && l.worker === workerA);
    // the other worker answers throughout
    expect((await call(b, 'GET', '/shared')).body).toEqual({ version: 2 });
    const replacement = await proc.waitForLog(
      (l) => l.msg === 'worker listening' && l.worker !== workerA && l.worker !== workerB,
      15_000,
    );
    expect(alive(pidA)).toBe(false);
    const byWorker = await oneClientPerWorker(proc);
    clients.push(...byWorker.values());
    expect([...byWorker.keys()].sort()).toEqual([workerB, Number(replacement.worker)].sort());
    // the new worker serves the current configuration, and its share of the rate limit is still counted
    const fresh = byWorker.get(Number(replacement.worker)) as Client;
    expect((await call(fresh, 'GET', '/shared')).body).toEqual({ version: 2 });
    expect((await call(fresh, 'GET', '/limited')).status).toBe(429);
    const metrics = await (await proc.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/^portico_cluster_worker_restarts_total 1$/m);
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const pids = proc.logs.filter((l) => l.msg === 'worker started').map((l) => Number(l.workerPid));
    for (const client of clients) await client.close().catch(() => {});
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(proc.logs.filter((l) => l.msg === 'shut down')).toHaveLength(2);
  });
});

describe('workers whose primary is killed', () => {
  it('stop gracefully by themselves instead of lingering or dying mid-request', async () => {
    const proc = await startPortico(['--workers', '2']);
    try {
      const pids = proc.logs.filter((l) => l.msg === 'worker started').map((l) => Number(l.workerPid));
      expect(pids).toHaveLength(2);
      proc.child.kill('SIGKILL');
      await proc.exited;
      await eventually(async () => (pids.every((pid) => !alive(pid)) ? true : undefined), 10_000);
      // the workers' own log lines still reach the pipe the primary shared with them
      await eventually(async () => (proc.logs.filter((l) => l.msg === 'shut down').length === 2 ? true : undefined));
    } finally {
      await proc.dispose();
    }
  });
});

describe('signals while a cluster starts', () => {
  it('a SIGHUP during start-up, before and while the workers come up, stops nothing', async () => {
    const proc = await startPortico(['--workers', '2'], {}, { waitUntilListening: false });
    try {
      // during the primary's preparation (migrations, defaults) …
      await proc.waitForLog((l) => l.msg === 'preparing the system database before starting the workers');
      proc.child.kill('SIGHUP');
      // … and while the workers are starting
      await proc.waitForLog((l) => l.msg === 'worker started');
      proc.child.kill('SIGHUP');
      await proc.waitForLog((l) => typeof l.msg === 'string' && /listening$/.test(l.msg) && 'url' in l);
      expect(proc.child.exitCode).toBeNull();
      expect((await proc.fetch('/system/health')).status).toBe(200);
      expect(proc.logs.filter((l) => l.msg === 'worker died unexpectedly; starting a new one')).toHaveLength(0);
    } finally {
      await proc.dispose();
    }
  });
});
