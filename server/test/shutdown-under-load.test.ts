import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from '../src/db/sqlite-driver.js';
import { backendCall, type PorticoProcess, startPortico } from './support/cluster-process.js';

/**
 * SIGTERM to a real `portico serve` child while many slow and fast requests are in flight. The slow
 * operation proxies to an upstream in this test that answers after a delay, with a body large enough
 * that a response cut mid-way cannot pass for a whole one. Every request carries its own X-Request-Id,
 * which the request log keeps in its header column, so the log can be matched one by one against what
 * the clients received after the child (and its file SQLite database) has gone.
 */

const padding = 'x'.repeat(32 * 1024);

interface Outcome {
  id: string;
  kind: 'slow' | 'fast';
  /** complete: a whole response; none: no response at all; cut: a response that broke off */
  result: 'complete' | 'none' | 'cut';
  status?: number;
  /** answered by an operation (not by the HTTP server refusing work while it closes) */
  byOperation?: boolean;
  connectionClose?: boolean;
  sentAt: number;
}

/** A delaying upstream: GET /slow?ms=N answers after N ms with a padded JSON body. */
async function slowUpstream(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? '0');
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ slow: true, padding }));
    }, ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function prepare(proc: PorticoProcess, upstreamUrl: string): Promise<void> {
  const token = await proc.adminToken();
  await backendCall(proc, token, 'POST', '/backend/action', {
    name: 'fast',
    class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
    config: { response: JSON.stringify({ fast: true, padding }) },
  });
  await backendCall(proc, token, 'POST', '/backend/action', {
    name: 'slow',
    class: 'Fusio.Adapter.Http.Action.HttpRaw',
    config: { url: `${upstreamUrl}/slow` },
  });
  await backendCall(proc, token, 'POST', '/backend/operation', {
    name: 'fast.get',
    httpMethod: 'GET',
    httpPath: '/fast',
    action: 'fast',
    public: true,
  });
  await backendCall(proc, token, 'POST', '/backend/operation', {
    name: 'slow.get',
    httpMethod: 'GET',
    httpPath: '/slow',
    action: 'slow',
    public: true,
  });
}

async function send(proc: PorticoProcess, kind: 'slow' | 'fast', id: string, slowMs: number): Promise<Outcome> {
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await proc.fetch(kind === 'slow' ? `/slow?ms=${slowMs}` : '/fast', { headers: { 'x-request-id': id } });
  } catch {
    return { id, kind, result: 'none', sentAt };
  }
  const byOperation = res.headers.get('x-operation-id') !== null;
  const connectionClose = res.headers.get('connection') === 'close';
  try {
    const text = await res.text();
    const length = res.headers.get('content-length');
    if (length !== null && Buffer.byteLength(text) !== Number(length)) throw new Error('short body');
    const body = JSON.parse(text) as { padding?: string };
    // an operation's answer carries the whole padding; anything else must at least be whole JSON
    if (byOperation && res.status === 200 && body.padding !== padding) throw new Error('truncated body');
    return { id, kind, result: 'complete', status: res.status, byOperation, connectionClose, sentAt };
  } catch {
    return { id, kind, result: 'cut', status: res.status, byOperation, connectionClose, sentAt };
  }
}

/** The X-Request-Id of every row in the child's request log. */
function loggedIds(file: string, prefix: string): string[] {
  const db = new SQLite(file, { readonly: true });
  try {
    const rows = db.prepare('select header from logs').all() as { header: string }[];
    const ids: string[] = [];
    for (const row of rows) {
      const match = /^x-request-id: (.+)$/m.exec(row.header);
      if (match?.[1]?.startsWith(prefix)) ids.push(match[1]);
    }
    return ids;
  } finally {
    db.close();
  }
}

describe('SIGTERM under load', () => {
  let upstream: Awaited<ReturnType<typeof slowUpstream>>;
  const children: PorticoProcess[] = [];

  beforeAll(async () => {
    upstream = await slowUpstream();
  });
  afterAll(async () => {
    for (const child of children) await child.dispose();
    await upstream?.close();
  });

  it('finishes every request in flight, cuts none, logs every answered one and exits 0', async () => {
    const proc = await startPortico([], { SHUTDOWN_GRACE_PERIOD: '15' });
    children.push(proc);
    await prepare(proc, upstream.url);

    const outcomes: Promise<Outcome>[] = [];
    let n = 0;
    const before = upstream.received();
    // 40 slow requests (1.5 s each) in flight when the signal arrives
    for (let i = 0; i < 40; i++) outcomes.push(send(proc, 'slow', `shut-${n++}`, 1500));
    // 16 clients sending fast requests back to back until the server stops answering
    let stopped = false;
    let fastDone = 0;
    const loops = Array.from({ length: 16 }, async () => {
      while (!stopped) {
        const outcome = send(proc, 'fast', `shut-${n++}`, 0);
        outcomes.push(outcome);
        const { result } = await outcome;
        if (result === 'complete') fastDone++;
        if (result === 'none') await new Promise((r) => setTimeout(r, 20));
      }
    });
    // SIGTERM once all slow requests are at the upstream and fast ones have been flowing for a while
    const deadline = Date.now() + 15_000;
    while ((upstream.received() - before < 40 || fastDone < 30) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(upstream.received() - before).toBe(40);

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    // the slow ones keep arriving while the process shuts down; new ones too, to be refused
    for (let i = 0; i < 10; i++) outcomes.push(send(proc, 'slow', `shut-${n++}`, 300));
    const exit = await proc.exited;
    const exitedAt = Date.now();
    stopped = true;
    await Promise.all(loops);
    const all = await Promise.all(outcomes);

    expect(exit).toEqual({ code: 0, signal: null });
    // it waited for the slow requests (1.5 s) but not for the grace period (15 s)
    expect(exitedAt - signalledAt).toBeLessThan(10_000);
    expect(all.filter((o) => o.result === 'cut')).toEqual([]);
    const slowInFlight = all.filter((o) => o.kind === 'slow' && o.sentAt < signalledAt);
    expect(slowInFlight).toHaveLength(40);
    for (const o of slowInFlight) expect(o).toMatchObject({ result: 'complete', status: 200, byOperation: true });
    const fast = all.filter((o) => o.kind === 'fast' && o.result === 'complete');
    expect(fast.length).toBeGreaterThanOrEqual(30);
    // the HTTP server itself refuses work on kept-alive connections once closing: 503 and Connection: close
    for (const o of all.filter((x) => x.result === 'complete' && !x.byOperation)) {
      expect(o).toMatchObject({ status: 503, connectionClose: true });
    }

    const answered = all.filter((o) => o.result === 'complete' && o.byOperation).map((o) => o.id);
    const logged = loggedIds(proc.databaseFile, 'shut-');
    expect(new Set(logged).size).toBe(logged.length);
    expect(logged.sort()).toEqual(answered.sort());
    expect(proc.logs.some((l) => l.msg === 'shut down')).toBe(true);
  });

  it('closes the connections of requests that outlast the grace period, then exits 0', async () => {
    const proc = await startPortico([], { SHUTDOWN_GRACE_PERIOD: '0.5' });
    children.push(proc);
    await prepare(proc, upstream.url);
    const before = upstream.received();
    const stuck = send(proc, 'slow', 'grace-stuck', 20_000);
    const deadline = Date.now() + 5000;
    while (upstream.received() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    // no response at all rather than half a one
    expect((await stuck).result).toBe('none');
    expect(proc.logs.some((l) => l.msg === 'grace period over: closing the connections of unfinished requests')).toBe(
      true,
    );
  });
});
