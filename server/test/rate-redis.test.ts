import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateTable } from '../src/limits/rate-table.js';
import { scriptSha, takeScript } from '../src/limits/redis-script.js';
import { RedisWindows } from '../src/limits/redis-store.js';
import { slots, subWindows, take, WindowCounter, type WindowVerdict } from '../src/limits/sliding-window.js';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import {
  adminRedis,
  call,
  createRate,
  deleteKeys,
  eventually,
  type Outcome,
  publicOperation,
  redisPrefix,
  sharedDatabase,
  sleep,
  TcpProxy,
} from './support/rate-helpers.js';
import { requireService } from './support/services.js';

const redisUp = await requireService('Redis', '127.0.0.1', 6379);
const postgres = (await systemDatabases()).find((d) => d.kind === 'postgres');
const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');
const prefix = redisPrefix('rate-redis');

const statuses = (outcomes: Outcome[]) => outcomes.map((o) => o.status);
const admitted = (outcomes: Outcome[]) => outcomes.filter((o) => o.status === 200).length;
const from = (ip: string): RequestInit => ({ headers: { 'x-forwarded-for': ip } });

describe.runIf(redisUp)('rate limits counted in Redis', () => {
  const redis = adminRedis();

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('runs the same algorithm in Lua as in memory, step for step', async () => {
    const key = `${prefix}script-check`;
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (const [limit, windowMs] of [
      [5, 60_000],
      [1, 1_000],
      [17, 3_600_000],
      [0, 1_000],
    ] as const) {
      await redis.del(key);
      const width = windowMs / subWindows;
      const counter = new WindowCounter();
      const local: WindowVerdict = { allowed: false, remaining: 0, resetMs: 0 };
      let t = 1_764_000_000_000 + Math.floor(next() * windowMs);
      for (let i = 0; i < 400; i++) {
        t += next() < 0.4 ? 0 : Math.floor(next() ** 3 * windowMs * 0.6);
        take(counter, limit, width, t, local);
        const [ok, remaining, resetMs] = (await redis.eval(takeScript, 1, key, limit, width, slots, t)) as number[];
        expect({ allowed: ok === 1, remaining, resetMs }, `step ${i} at ${t}`).toEqual(local);
      }
    }
    await redis.del(key);
  });

  it('falls back from EVALSHA to EVAL when Redis does not know the script yet', async () => {
    const tag = randomBytes(8).toString('hex');
    const windows = new RedisWindows({
      url: 'redis://127.0.0.1:6379',
      prefix,
      commandTimeoutMs: 1000,
      logger: pino({ level: 'silent' }),
      scriptTag: tag,
    });
    try {
      await eventually(async () => windows.ready);
      const sha = scriptSha(`${takeScript}-- ${tag}\n`);
      expect(await redis.script('EXISTS', sha)).toEqual([0]);
      const rate = RateTable.compile(
        [{ id: 1, name: 'Script', priority: 0, rate_limit: 2, timespan: 'PT1M', metadata: null, updated_at: 0 }],
        [{ id: 1, rate_id: 1, operation_id: null, user_id: null, plan_id: null, app_id: null, authenticated: null }],
        new Map(),
      ).select(1, null, null);
      if (!rate) throw new Error('no rate');
      expect(await windows.take(rate, 'script-ip')).toMatchObject({ allowed: true, remaining: 1 });
      expect(await redis.script('EXISTS', sha)).toEqual([1]);
      expect(await windows.take(rate, 'script-ip')).toMatchObject({ allowed: true, remaining: 0 });
      expect(await windows.take(rate, 'script-ip')).toMatchObject({ allowed: false, remaining: 0 });
    } finally {
      await windows.close();
    }
  });

  describe.runIf(postgres)('two Portico nodes on one PostgreSQL system database', () => {
    let a: Harness;
    let b: Harness;
    let operationId: number;

    beforeAll(async () => {
      const shared = sharedDatabase(postgres!);
      const env = { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_REDIS_PREFIX: prefix, TRUST_PROXY: 'true' };
      a = await startHarness(shared, env);
      b = await startHarness(shared, env);
      operationId = await publicOperation(a, 'shared.ping', '/shared/ping');
      await b.portico.platform.configChanged();
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('install the default rates once', async () => {
      expect((await b.admin.backend().rate().getAll()).totalResults).toBe(2);
      expect(a.portico.platform.rateLimits.store).toBe('redis');
    });

    it('let exactly the limit through in total when both are fired at concurrently', async () => {
      const rateId = await createRate(a, {
        name: 'Cluster',
        priority: 50,
        rateLimit: 25,
        timespan: 'PT30S',
        allocation: [{ operationId }],
      });
      // the other node learns of the change on its next refresh, or at once on a change signal
      await b.portico.platform.rateLimits.reload();
      const outcomes = await Promise.all(
        Array.from({ length: 120 }, (_, i) => call(i % 2 === 0 ? a : b, '/shared/ping', from('10.1.0.1'))),
      );
      expect(admitted(outcomes)).toBe(25);
      expect(statuses(outcomes).filter((s) => s === 429)).toHaveLength(95);
      const perNode = [0, 1].map((n) => outcomes.filter((o, i) => i % 2 === n && o.status === 200).length);
      expect(perNode[0]! + perNode[1]!).toBe(25);
      const remaining = outcomes
        .filter((o) => o.status === 200)
        .map((o) => Number(o.headers.get('ratelimit-remaining')))
        .sort((x, y) => x - y);
      expect(remaining).toEqual(Array.from({ length: 25 }, (_, i) => i));
      // counted in Redis, under the configured prefix
      const keys = await redis.keys(`${prefix}${rateId}:*`);
      expect(keys).toEqual([`${prefix}${rateId}:30000:ip:10.1.0.1`]);
      expect(await redis.hget(keys[0]!, 'n')).toBe('25');
      await a.admin.backend().rate().delete(String(rateId));
      await b.portico.platform.rateLimits.reload();
    });

    it('do not count refused calls: after the window the whole allowance is back, on either node', async () => {
      const rateId = await createRate(a, {
        name: 'Cluster-Recover',
        priority: 50,
        rateLimit: 4,
        timespan: 'PT1S',
        allocation: [{ operationId }],
      });
      await b.portico.platform.rateLimits.reload();
      const ip = from('10.1.1.1');
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? a : b, '/shared/ping', ip)));
      expect(admitted(burst)).toBe(4);
      const started = Date.now();
      while (Date.now() - started < 600) {
        expect((await call(a, '/shared/ping', ip)).status).toBe(429);
        await sleep(25);
      }
      await sleep(1000 + 1000 / 60 + 60 - (Date.now() - started));
      const again = await Promise.all(Array.from({ length: 6 }, (_, i) => call(i % 2 ? a : b, '/shared/ping', ip)));
      expect(admitted(again)).toBe(4);
      await a.admin.backend().rate().delete(String(rateId));
      await b.portico.platform.rateLimits.reload();
    });
  });

  describe('when Redis cannot be reached', () => {
    let closedPort: number;
    beforeAll(async () => {
      closedPort = await freePort();
    });

    it('fail open: keeps serving, each node counting on its own, and says so in the headers', async () => {
      const h = await startHarness(sqlite!, {
        REDIS_URL: `redis://127.0.0.1:${closedPort}`,
        RATE_LIMIT_REDIS_PREFIX: prefix,
        RATE_LIMIT_REDIS_FAILURE: 'open',
      });
      try {
        const operationId = await publicOperation(h, 'open.ping', '/open/ping');
        await createRate(h, {
          name: 'Open',
          priority: 50,
          rateLimit: 3,
          timespan: 'PT1M',
          allocation: [{ operationId }],
        });
        const outcomes = await Promise.all(Array.from({ length: 5 }, () => call(h, '/open/ping')));
        expect(statuses(outcomes).sort()).toEqual([200, 200, 200, 429, 429]);
        expect(outcomes[0]?.headers.get('ratelimit-limit')).toBe('3');
      } finally {
        await h.close();
      }
    });

    it('fail closed: answers 503 with Fusio’s error body, but keeps the platform’s own APIs reachable', async () => {
      const h = await startHarness(sqlite!, {
        REDIS_URL: `redis://127.0.0.1:${closedPort}`,
        RATE_LIMIT_REDIS_PREFIX: prefix,
        RATE_LIMIT_REDIS_FAILURE: 'closed',
      });
      try {
        // the admin can still log in and change rates (counted on this node meanwhile)
        await publicOperation(h, 'closed.ping', '/closed/ping');
        const backend = await call(h, '/backend/rate', {
          headers: { authorization: `Bearer ${await h.adminToken()}` },
        });
        expect(backend.status).toBe(200);
        // the backend is never limited for a token; the other platform APIs count on this node meanwhile
        expect(backend.headers.get('ratelimit-limit')).toBeNull();
        const about = await call(h, '/system/about');
        expect(about.status).toBe(200);
        expect(about.headers.get('ratelimit-limit')).toBe('900');
        // the API it protects is closed while the limit cannot be checked
        const refused = await call(h, '/closed/ping');
        expect(refused.status).toBe(503);
        expect(refused.body).toEqual({
          success: false,
          title: 'Service Unavailable',
          message: 'Rate limits cannot be checked right now',
        });
        expect(refused.headers.get('retry-after')).toBe('1');
        // an unknown path is not an operation: no rate, no Redis needed
        expect((await call(h, '/closed/nowhere')).status).toBe(404);
      } finally {
        await h.close();
      }
    });

    for (const policy of ['open', 'closed'] as const) {
      it(`recovers without a restart when Redis comes back (fail ${policy})`, async () => {
        const proxy = new TcpProxy(6379);
        await proxy.start();
        const h = await startHarness(sqlite!, {
          REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
          RATE_LIMIT_REDIS_PREFIX: `${prefix}${policy}:`,
          RATE_LIMIT_REDIS_FAILURE: policy,
          RATE_LIMIT_REDIS_TIMEOUT: '200',
        });
        try {
          const operationId = await publicOperation(h, `flaky.${policy}`, `/flaky/${policy}`);
          const rateId = await createRate(h, {
            name: `Flaky-${policy}`,
            priority: 50,
            rateLimit: 1000,
            timespan: 'PT1M',
            allocation: [{ operationId }],
          });
          const key = `${prefix}${policy}:${rateId}:60000:ip:127.0.0.1`;
          const counted = async () => Number((await redis.hget(key, 'n')) ?? 0);
          await eventually(async () => h.portico.platform.rateLimits.redisClient?.status === 'ready');
          expect((await call(h, `/flaky/${policy}`)).status).toBe(200);
          expect(await counted()).toBe(1);

          // Redis goes away mid-flight: open connections cut, new ones refused
          await proxy.stop();
          const during = await Promise.all(Array.from({ length: 5 }, () => call(h, `/flaky/${policy}`)));
          expect(statuses(during)).toEqual(Array(5).fill(policy === 'open' ? 200 : 503));
          expect(await counted()).toBe(1);

          // it comes back on the same address: the next requests count in Redis again
          await proxy.start();
          expect(
            await eventually(async () => {
              const res = await call(h, `/flaky/${policy}`);
              return res.status === 200 && (await counted()) > 1;
            }, 5000),
          ).toBe(true);
          const before = await counted();
          expect((await call(h, `/flaky/${policy}`)).status).toBe(200);
          expect(await counted()).toBe(before + 1);
        } finally {
          await h.close();
          await proxy.stop();
        }
      });
    }

    it('recovers when Redis drops the connection (CLIENT KILL)', async () => {
      const h = await startHarness(sqlite!, {
        REDIS_URL: 'redis://127.0.0.1:6379',
        RATE_LIMIT_REDIS_PREFIX: `${prefix}kill:`,
      });
      try {
        const operationId = await publicOperation(h, 'kill.ping', '/kill/ping');
        const rateId = await createRate(h, {
          name: 'Killed',
          priority: 50,
          rateLimit: 1000,
          timespan: 'PT1M',
          allocation: [{ operationId }],
        });
        const key = `${prefix}kill:${rateId}:60000:ip:127.0.0.1`;
        const client = h.portico.platform.rateLimits.redisClient!;
        await eventually(async () => client.status === 'ready');
        expect((await call(h, '/kill/ping')).status).toBe(200);
        const id = Number(await client.client('ID'));
        expect(await redis.client('KILL', 'ID', String(id))).toBe(1);
        // served throughout (fail open), and back in Redis on a new connection
        expect(
          await eventually(async () => {
            expect((await call(h, '/kill/ping')).status).toBe(200);
            return client.status === 'ready' && Number(await client.client('ID')) !== id;
          }),
        ).toBe(true);
        const before = Number(await redis.hget(key, 'n'));
        expect((await call(h, '/kill/ping')).status).toBe(200);
        expect(Number(await redis.hget(key, 'n'))).toBe(before + 1);
      } finally {
        await h.close();
      }
    });
  });
});
