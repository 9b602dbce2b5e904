import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatabase, systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { publicOperation } from './support/rate-helpers.js';
import { requireService } from './support/services.js';

const postgres = (await systemDatabases()).find((d) => d.kind === 'postgres');
const redisUp = await requireService('Redis', '127.0.0.1', 6379);

async function status(h: Harness, path: string, address: string): Promise<number> {
  const res = await h.fetch(path, { headers: { 'x-forwarded-for': address } });
  await res.arrayBuffer();
  return res.status;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const setups = [
  { name: 'PostgreSQL, no Redis: each node counts, the ban reaches both', redis: false },
  { name: 'PostgreSQL and Redis: the nodes count together', redis: true },
].filter((s) => postgres && (!s.redis || redisUp));

describe.each(setups)('a firewall ban across two nodes ($name)', (setup) => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    const shared = sharedDatabase(postgres!);
    const env: Record<string, string> = { TRUST_PROXY: 'true' };
    if (setup.redis) {
      env.REDIS_URL = 'redis://127.0.0.1:6379';
      env.RATE_LIMIT_REDIS_PREFIX = `portico-test:fw-nodes:${process.pid}:${Date.now()}:`;
    }
    a = await startHarness(shared, env);
    b = await startHarness(shared, env);
    await publicOperation(a, 'fw.nodes', '/fw/nodes');
    await a.admin
      .backend()
      .config()
      .update('~firewall_max_retry', { value: 6 } as never);
    await a.admin
      .backend()
      .config()
      .update('~firewall_ban_time', { value: 'PT3S' } as never);
    await eventually(async () => (await status(b, '/fw/nodes', '192.0.2.1')) === 200);
    await eventually(async () => b.portico.platform.settings.number('firewall_max_retry') === 6);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('bans an address on both nodes', async () => {
    const attacker = '203.0.113.77';
    // three client errors on each node
    for (let i = 0; i < 3; i++) {
      expect(await status(a, `/probe/a${i}`, attacker)).toBe(404);
      expect(await status(b, `/probe/b${i}`, attacker)).toBe(404);
    }
    if (!setup.redis) {
      // each node counted three of six: no ban yet; three more on one node ban it everywhere
      expect(await status(a, '/fw/nodes', attacker)).toBe(200);
      for (let i = 3; i < 6; i++) expect(await status(a, `/probe/a${i}`, attacker)).toBe(404);
    }
    for (const node of [a, b]) await eventually(async () => (await status(node, '/fw/nodes', attacker)) === 403);
    const bans = await a.admin.backend().firewall().getAll(0, 16, 'Ban-');
    expect(bans.totalResults).toBe(1);
    expect(await status(b, '/fw/nodes', '203.0.113.78')).toBe(200);
    for (const node of [a, b]) await eventually(async () => (await status(node, '/fw/nodes', attacker)) === 200);
  });
});
