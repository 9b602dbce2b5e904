import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { liftDefaultRates, recovers, statusesOf, underLoad } from './support/fault-load.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, createConnection, createOperation, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';
import { createLegacyDatabase, type LegacyDatabase } from './support/sql-legacy.js';

/**
 * A legacy PostgreSQL behind a SQL connection, Redis and RabbitMQ each become unreachable while requests
 * keep coming. The machine's services serve other test files at the same time, so none is ever stopped:
 * Portico reaches each through a TCP proxy this file owns, and "down" means the proxy refuses connections
 * and drops the open ones (`down()`), "back" that it accepts again (`up()`) on the same port. Portico is
 * never restarted in between.
 */

const [database] = await systemDatabases();
const postgresUp = await requireService('PostgreSQL', '127.0.0.1', 5432);
const redisUp = await requireService('Redis', '127.0.0.1', 6379);
const rabbitUp = await requireService('RabbitMQ', '127.0.0.1', 5672);

const load = { durationMs: 800, concurrency: 6 };

/** A static operation beside the one that needs the service: it must keep answering 200 throughout. */
async function staticOperation(h: Harness): Promise<void> {
  await createOperation(h, {
    name: 'static.get',
    method: 'GET',
    path: '/static',
    actionClass: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
    config: { response: '{"static":true}' },
  });
}

describe.runIf(database && postgresUp)('the legacy PostgreSQL behind a SQL connection goes away', () => {
  let h: Harness;
  let legacy: LegacyDatabase;
  let proxy: TcpProxy;

  beforeAll(async () => {
    legacy = await createLegacyDatabase('postgres');
    await legacy.query('CREATE TABLE items (id SERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL)');
    await legacy.query("INSERT INTO items (name) VALUES ('first')");
    proxy = await startTcpProxy(String(legacy.sqlConfig.host), Number(legacy.sqlConfig.port));
    h = await startHarness(database!);
    await liftDefaultRates((method, path, body) => backend(h, method, path, body));
    await createConnection(h, 'legacy', 'Fusio.Adapter.Sql.Connection.Sql', {
      ...legacy.sqlConfig,
      host: '127.0.0.1',
      port: proxy.port,
    });
    await createOperation(h, {
      name: 'items.list',
      method: 'GET',
      path: '/items',
      actionClass: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
      config: { connection: 'legacy', table: 'items' },
    });
    await staticOperation(h);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await legacy?.close();
  });

  it('answers 503 for the SQL operation, 200 for the static one, and recovers by itself', async () => {
    expect((await h.fetch('/items')).status).toBe(200);
    await proxy.down();
    const outage = await underLoad(
      h.baseUrl,
      [
        { name: 'sql', path: '/items' },
        { name: 'static', path: '/static' },
      ],
      { ...load, idPrefix: 'legacy-down' },
    );
    expect(statusesOf(outage.sql)).toEqual([503]);
    expect(outage.sql?.samples[503]).toMatchObject({
      success: false,
      message: 'The database is not available, please try again later',
    });
    expect(statusesOf(outage.static)).toEqual([200]);
    for (const tally of Object.values(outage)) expect(tally.failures).toBe(0);
    expect(outage.sql?.slowestMs).toBeLessThan(3000);

    await proxy.up();
    await recovers(async () => (await h.fetch('/items')).status === 200);
    const back = await underLoad(
      h.baseUrl,
      [
        { name: 'sql', path: '/items' },
        { name: 'static', path: '/static' },
      ],
      { ...load, idPrefix: 'legacy-up' },
    );
    expect(statusesOf(back.sql)).toEqual([200]);
    expect(statusesOf(back.static)).toEqual([200]);
    expect(await (await h.fetch('/system/health')).json()).toMatchObject({ healthy: true });
  });
});

describe.runIf(database && redisUp)('Redis (rate limits, change feed and a Redis connection) goes away', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let redis: Redis;
  const prefix = `${uniqueName('portico-test:faults')}:`;
  const hash = uniqueName('portico_faults_flags');

  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 6379);
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect();
    await redis.hset(hash, 'size', '12');
    h = await startHarness(database!, {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      RATE_LIMIT_REDIS_PREFIX: prefix,
    });
    expect(h.portico.platform.rateLimits.store).toBe('redis');
    await liftDefaultRates((method, path, body) => backend(h, method, path, body));
    await createConnection(h, 'cache', 'Fusio.Adapter.Redis.Connection.Redis', { host: '127.0.0.1', port: proxy.port });
    await createOperation(h, {
      name: 'flags.get',
      method: 'GET',
      path: '/flags',
      actionClass: 'Fusio.Adapter.Redis.Action.RedisHashGetAll',
      config: { connection: 'cache', key: hash },
    });
    await staticOperation(h);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    const keys = await redis?.keys(`${prefix}*`);
    if (keys?.length) await redis.del(...keys);
    await redis?.del(hash);
    redis?.disconnect();
  });

  /** Requests counted in Redis for the anonymous caller 127.0.0.1 under the lifted default rate. */
  async function countedInRedis(): Promise<number> {
    const [key] = await redis.keys(`${prefix}*ip:127.0.0.1`);
    return key ? Number(await redis.hget(key, 'n')) : 0;
  }

  it('answers 503 for the Redis operation, keeps serving (limits counted on the node meanwhile) and recovers', async () => {
    expect((await h.fetch('/flags')).status).toBe(200);
    const countedBefore = await countedInRedis();
    expect(countedBefore).toBeGreaterThan(0);

    await proxy.down();
    const outage = await underLoad(
      h.baseUrl,
      [
        { name: 'redis', path: '/flags' },
        { name: 'static', path: '/static' },
        { name: 'health', path: '/system/health' },
      ],
      { ...load, idPrefix: 'redis-down' },
    );
    expect(statusesOf(outage.redis)).toEqual([503]);
    expect(outage.redis?.samples[503]).toMatchObject({ success: false });
    // rate limits fail open (RATE_LIMIT_REDIS_FAILURE=open, the default): served and still limited, on this node
    expect(statusesOf(outage.static)).toEqual([200]);
    expect(statusesOf(outage.health)).toEqual([200]);
    for (const tally of Object.values(outage)) {
      expect(tally.failures).toBe(0);
      expect(tally.slowestMs).toBeLessThan(3000);
    }
    const staticAnswer = await h.fetch('/static');
    expect(staticAnswer.headers.get('ratelimit-limit')).toBe('1000000');
    // the lifted Default-Anonymous rate, by default in Fusio's form only
    expect(staticAnswer.headers.get('ratelimit-policy')).toBeNull();
    expect(staticAnswer.headers.get('x-ratelimit-limit')).toBeNull();

    await proxy.up();
    await recovers(async () => (await h.fetch('/flags')).status === 200);
    expect(await (await h.fetch('/flags')).json()).toEqual({ values: { size: '12' } });
    // counting happens in Redis again
    await recovers(async () => h.portico.platform.rateLimits.redisClient?.status === 'ready');
    const countedAfterOutage = await countedInRedis();
    await h.fetch('/static');
    expect(await countedInRedis()).toBe(countedAfterOutage + 1);
  });
});

describe.runIf(database && rabbitUp)('RabbitMQ goes away', () => {
  let h: Harness;
  let proxy: TcpProxy;
  const queue = uniqueName('portico_faults');

  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 5672);
    h = await startHarness(database!);
    await liftDefaultRates((method, path, body) => backend(h, method, path, body));
    await createConnection(h, 'rabbit', 'Fusio.Adapter.Amqp.Connection.Amqp', {
      host: '127.0.0.1',
      port: proxy.port,
      user: 'guest',
      password: 'guest',
    });
    await createOperation(h, {
      name: 'orders.create',
      path: '/orders',
      actionClass: 'Fusio.Adapter.Amqp.Action.AmqpPublish',
      config: { connection: 'rabbit', queue },
    });
    await staticOperation(h);
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    const broker = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672').catch(() => null);
    if (broker) {
      const channel = await broker.createChannel();
      await channel.deleteQueue(queue).catch(() => {});
      await broker.close().catch(() => {});
    }
  });

  it('answers 503 for publishing, 200 for the static operation, recovers, and every 202 is in the queue', async () => {
    const order = () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'A-1' }),
    });
    expect((await h.fetch('/orders', order())).status).toBe(202);

    await proxy.down();
    const outage = await underLoad(
      h.baseUrl,
      [
        { name: 'publish', path: '/orders', init: order },
        { name: 'static', path: '/static' },
      ],
      { ...load, idPrefix: 'amqp-down' },
    );
    expect(statusesOf(outage.publish)).toEqual([503]);
    expect(statusesOf(outage.static)).toEqual([200]);
    for (const tally of Object.values(outage)) {
      expect(tally.failures).toBe(0);
      expect(tally.slowestMs).toBeLessThan(3000);
    }

    await proxy.up();
    await recovers(async () => (await h.fetch('/orders', order())).status === 202);
    const back = await underLoad(
      h.baseUrl,
      [
        { name: 'publish', path: '/orders', init: order },
        { name: 'static', path: '/static' },
      ],
      { ...load, idPrefix: 'amqp-up' },
    );
    expect(statusesOf(back.publish)).toEqual([202]);
    expect(statusesOf(back.static)).toEqual([200]);

    // a 202 means the broker confirmed: the first one, the recovery probe and every one under load are there
    const broker = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
    try {
      const channel = await broker.createChannel();
      const { messageCount } = await channel.checkQueue(queue);
      expect(messageCount).toBe(2 + (back.publish?.statuses[202] ?? 0));
    } finally {
      await broker.close();
    }
  });
});
