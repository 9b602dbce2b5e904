import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendCall, type PorticoProcess, startPortico } from './support/cluster-process.js';

/**
 * `portico serve --workers 2` without Redis: client errors that an address causes on either worker count
 * together in the primary, and the ban the limit brings is written as a deny rule that both workers apply.
 * Each undici Client is one kept-alive connection, which the primary hands to one worker for its life.
 */

async function call(client: Client, path: string, address: string, token?: string) {
  const res = await client.request({
    method: 'GET',
    path,
    headers: { 'x-forwarded-for': address, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('portico serve --workers 2: one firewall ban for both workers', () => {
  let proc: PorticoProcess;
  let token: string;
  let a: Client;
  let b: Client;
  const clients: Client[] = [];

  beforeAll(async () => {
    // three processes compiling TypeScript at once: a busy machine needs more than the default 30 s
    proc = await startPortico(['--workers', '2'], { TRUST_PROXY: 'true' }, { timeoutMs: 100_000 });
    const byWorker = new Map<number, Client>();
    for (let i = 0; i < 12 && byWorker.size < 2; i++) {
      const client = new Client(proc.baseUrl, { keepAliveTimeout: 60_000 });
      clients.push(client);
      const health = await call(client, '/system/health', '127.0.0.1');
      byWorker.set(Number(health.body.worker), client);
    }
    if (byWorker.size !== 2) throw new Error('the connections did not reach two different workers');
    [a, b] = [...byWorker.values()] as [Client, Client];
    token = await proc.adminToken();
    // 6 client errors within a minute ban for 2 seconds
    await backendCall(proc, token, 'PUT', '/backend/config/~firewall_max_retry', { value: 6 });
    await backendCall(proc, token, 'PUT', '/backend/config/~firewall_find_time', { value: 'PT1M' });
    await backendCall(proc, token, 'PUT', '/backend/config/~firewall_ban_time', { value: 'PT2S' });
    // the settings reach the other worker through the change feed
    await eventually(async () => {
      const res = await call(b, '/backend/config/~firewall_max_retry', '127.0.0.1', token);
      return res.body.value === 6 ? true : undefined;
    });
  }, 180_000);
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await proc?.dispose();
  });

  it('counts the client errors of one address on both workers together and bans it on both', async () => {
    const attacker = '203.0.113.5';
    // three errors on each worker: neither alone reached six
    for (let i = 0; i < 3; i++) {
      expect((await call(a, `/probe/a${i}`, attacker)).status).toBe(404);
      if (i < 2) expect((await call(b, `/probe/b${i}`, attacker)).status).toBe(404);
    }
    expect((await call(a, '/system/health', attacker)).status).toBe(200);
    expect((await call(b, '/system/health', attacker)).status).toBe(200);
    expect((await call(b, '/probe/b2', attacker)).status).toBe(404);
    for (const client of [a, b]) {
      const refused = await eventually(async () => {
        const res = await call(client, '/system/health', attacker);
        return res.status === 403 ? res : undefined;
      });
      expect(refused.body.message).toBe('Your IP has sent too many requests, please try again later');
    }
    // one ban, written once
    const rules = await backendCall(proc, token, 'GET', '/backend/firewall?search=Ban-');
    expect(rules.totalResults).toBe(1);
    expect((await call(a, '/system/health', '203.0.113.6')).status).toBe(200);
    // and it lifts on both after its time
    for (const client of [a, b]) {
      await eventually(async () =>
        (await call(client, '/system/health', attacker)).status === 200 ? true : undefined,
      );
    }
  });
});
