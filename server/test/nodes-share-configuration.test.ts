import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatabase, systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { requireService } from './support/services.js';

const all = await systemDatabases();
const postgres = all.find((d) => d.kind === 'postgres');
const redisUp = await requireService('Redis', '127.0.0.1', 6379);

/** A SQLite file two processes on one machine can share (what `serve --workers` does). */
function sqliteFile(): TestDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-nodes-'));
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

const setups: { name: string; database: TestDatabase | undefined; env: Record<string, string>; limit: number }[] = [
  { name: 'PostgreSQL, no Redis', database: postgres, env: {}, limit: 1000 },
  { name: 'one SQLite file', database: sqliteFile(), env: {}, limit: 1000 },
  {
    name: 'PostgreSQL and Redis pub/sub',
    database: redisUp ? postgres : undefined,
    env: { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_REDIS_PREFIX: `portico-test:nodes:${process.pid}:` },
    limit: 300,
  },
];

describe.each(setups.filter((s) => s.database))(
  'a change made through one node is live on the other ($name)',
  (setup) => {
    let a: Harness;
    let b: Harness;

    beforeAll(async () => {
      const shared = sharedDatabase(setup.database!);
      a = await startHarness(shared, setup.env);
      b = await startHarness(shared, setup.env);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('new, changed and deleted operations reach the other node within the limit', async () => {
      const backend = a.admin.backend();
      await backend.action().create({
        name: 'shared',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{"version":1}' },
      });
      await backend
        .operation()
        .create({ name: 'shared.get', httpMethod: 'GET', httpPath: '/shared', action: 'shared', public: true });
      expect((await a.fetch('/shared')).status).toBe(200);
      const created = await within(setup.limit, async () => (await b.fetch('/shared')).status === 200);

      await backend.action().update('~shared', { config: { response: '{"version":2}' } });
      const changed = await within(
        setup.limit,
        async () => ((await (await b.fetch('/shared')).json()) as { version: number }).version === 2,
      );

      await backend.operation().delete('~shared.get');
      const deleted = await within(setup.limit, async () => (await b.fetch('/shared')).status === 404);
      expect(Math.max(created, changed, deleted)).toBeLessThan(setup.limit);
    });

    it('settings changed on one node are used by the other', async () => {
      await a.admin.backend().config().update('~info_title', { value: 'Shared title' });
      await within(setup.limit, async () => (await b.anonymous().system().meta().getAbout()).title === 'Shared title');
    });
  },
);
