import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatabase, systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { call, createRate, policyOf, publicOperation } from './support/rate-helpers.js';
import { requireService } from './support/services.js';

const all = await systemDatabases();
const postgres = all.find((d) => d.kind === 'postgres');
const redisUp = await requireService('Redis', '127.0.0.1', 6379);

/** A SQLite file two processes on one machine can share (what `serve --workers` does). */
function sqliteFile(): TestDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-rate-nodes-'));
  return {
    kind: 'sqlite',
    async create() {
      return {
        url: `sqlite:${path.join(dir, 'portico.db')}`,
        drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

/** Polls until `check` passes; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not true within ${ms} ms`);
}

// the same limits as for operations (nodes-share-configuration): a rate travels the same way
const setups: { name: string; database: TestDatabase | undefined; env: Record<string, string>; limit: number }[] = [
  { name: 'PostgreSQL, no Redis', database: postgres, env: {}, limit: 1000 },
  { name: 'one SQLite file', database: sqliteFile(), env: {}, limit: 1000 },
  {
    name: 'PostgreSQL and Redis pub/sub',
    database: redisUp ? postgres : undefined,
    env: { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_REDIS_PREFIX: `portico-test:rate-nodes:${process.pid}:` },
    limit: 300,
  },
];

describe.each(setups.filter((s) => s.database))(
  'a rate changed through one node is applied on the other ($name)',
  (setup) => {
    let a: Harness;
    let b: Harness;

    beforeAll(async () => {
      const shared = sharedDatabase(setup.database!);
      a = await startHarness(shared, setup.env);
      b = await startHarness(shared, setup.env);
      // the stories read the rate's name from RateLimit-Policy (the IETF form)
      await a.admin
        .backend()
        .config()
        .update('~rate_limit_headers', { value: 'all' } as never);
      await b.portico.platform.configChanged();
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('as fast as an operation: a new, changed and deleted rate', async () => {
      await publicOperation(a, 'shared.rated', '/shared/rated');
      const operation = await within(setup.limit, async () => (await b.fetch('/shared/rated')).status === 200);
      const operationId = Number((await a.admin.backend().operation().get('~shared.rated')).id);
      // anonymous calls are counted by the default rate until a rate for the operation arrives
      expect(policyOf(await call(b, '/shared/rated'))).toBe('Default-Anonymous');

      const rateId = await createRate(a, {
        name: 'Shared-Rate',
        priority: 90,
        rateLimit: 5000,
        timespan: 'PT1H',
        allocation: [{ operationId }],
      });
      const created = await within(setup.limit, async () => policyOf(await call(b, '/shared/rated')) === 'Shared-Rate');

      await a.admin.backend().rate().update(String(rateId), { rateLimit: 6000 });
      const changed = await within(
        setup.limit,
        async () => (await call(b, '/shared/rated')).headers.get('x-ratelimit-limit') === '6000',
      );

      await a.admin.backend().rate().delete(String(rateId));
      const deleted = await within(
        setup.limit,
        async () => policyOf(await call(b, '/shared/rated')) === 'Default-Anonymous',
      );
      expect(Math.max(operation, created, changed, deleted)).toBeLessThan(setup.limit);
    });

    it('a lower limit set on one node refuses calls on the other', async () => {
      await publicOperation(a, 'shared.tight', '/shared/tight');
      await within(setup.limit, async () => (await b.fetch('/shared/tight')).status === 200);
      const operationId = Number((await a.admin.backend().operation().get('~shared.tight')).id);
      await createRate(a, {
        name: 'Tight',
        priority: 90,
        rateLimit: 2,
        timespan: 'PT1H',
        allocation: [{ operationId }],
      });
      await within(setup.limit, async () => policyOf(await call(b, '/shared/tight')) === 'Tight');
      // the call that saw the rate arrive was counted; one more is allowed, then B refuses
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(b, '/shared/tight')).status);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    });
  },
);
