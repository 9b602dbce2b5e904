import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation, eventually, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';

const redisClass = 'Fusio.Adapter.Redis.Connection.Redis';
const up = await requireService('Redis', '127.0.0.1', 6379);
const [database] = await systemDatabases();

describe.runIf(up && database)('Redis hashes and streams behind operations', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let redis: Redis;
  const prefix = uniqueName('portico_t');
  const hash = `${prefix}:settings`;
  const stream = `${prefix}:events`;

  beforeAll(async () => {
    h = await startHarness(database!);
    proxy = await startTcpProxy('127.0.0.1', 6379);
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect();
    await createConnection(h, 'cache', redisClass, { host: '127.0.0.1', db: 0 });
    await createConnection(h, 'cache-via-proxy', redisClass, { host: '127.0.0.1', port: proxy.port });
    const hashConfig = { connection: 'cache', key: hash };
    for (const [name, method, path, actionClass] of [
      ['settings.getAll', 'GET', '/settings', 'Fusio.Adapter.Redis.Action.RedisHashGetAll'],
      ['settings.get', 'GET', '/settings/:field', 'Fusio.Adapter.Redis.Action.RedisHashGet'],
      ['settings.set', 'PUT', '/settings/:field', 'Fusio.Adapter.Redis.Action.RedisHashSet'],
      ['settings.delete', 'DELETE', '/settings/:field', 'Fusio.Adapter.Redis.Action.RedisHashDelete'],
    ] as const) {
      await createOperation(h, { name, method, path, actionClass, config: hashConfig });
    }
  });
  afterAll(async () => {
    await redis?.del(hash, stream).catch(() => {});
    redis?.disconnect();
    await h?.close();
    await proxy?.close();
  });

  it('tests a connection on save and masks its password', async () => {
    const refused = await backend(h, 'POST', '/backend/connection', {
      name: 'cache-nowhere',
      class: redisClass,
      config: { host: '127.0.0.1', port: 1 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^Connection test failed: .*ECONNREFUSED/);

    const withPassword = await backend(h, 'POST', '/backend/connection', {
      name: 'cache-password',
      class: redisClass,
      config: { host: '127.0.0.1', password: 's3cret' },
    });
    expect(withPassword.status).toBe(201);
    const stored = await backend(h, 'GET', '/backend/connection/~cache-password');
    expect(stored.body.config).toEqual({ host: '127.0.0.1', port: 6379, db: 0, password: '********' });
  });

  it('sets, reads, lists and deletes hash fields as Fusio does', async () => {
    const set = await call(h, 'PUT', '/settings/theme', { value: 'dark' });
    expect(set).toEqual({ status: 200, body: { success: true, message: 'Field successfully set', id: 1 } });
    const overwrite = await call(h, 'PUT', '/settings/theme', { value: 'light' });
    expect(overwrite.body.id).toBe(0);
    await call(h, 'PUT', '/settings/size', { value: 12 });
    expect(await redis.hgetall(hash)).toEqual({ theme: 'light', size: '12' });

    expect(await call(h, 'GET', '/settings/theme')).toEqual({ status: 200, body: { value: 'light' } });
    expect(await call(h, 'GET', '/settings')).toEqual({
      status: 200,
      body: { values: { theme: 'light', size: '12' } },
    });

    const missing = await call(h, 'GET', '/settings/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, message: 'Provided field does not exist' });

    const noValue = await call(h, 'PUT', '/settings/theme', { other: 1 });
    expect(noValue.status).toBe(400);
    expect(noValue.body.message).toBe('Given request body must contain a "value" key');
    const objectValue = await call(h, 'PUT', '/settings/theme', { value: { nested: true } });
    expect(objectValue.status).toBe(400);
    expect(await redis.hget(hash, 'theme')).toBe('light');

    expect(await call(h, 'DELETE', '/settings/theme')).toEqual({
      status: 200,
      body: { success: true, message: 'Field successfully deleted', id: 1 },
    });
    expect((await call(h, 'DELETE', '/settings/theme')).status).toBe(404);
    expect(await redis.hgetall(hash)).toEqual({ size: '12' });
  });

  it('appends a request to a stream with the message metadata as fields', async () => {
    await createOperation(h, {
      name: 'events.publish',
      path: '/events',
      actionClass: 'Portico.Adapter.Redis.Action.RedisStreamPublish',
      config: { connection: 'cache', stream, maxLength: 1000 },
    });
    const res = await call(h, 'POST', '/events', { kind: 'signup', user: 7 }, { asAdmin: true });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, message: 'Message successfully published' });

    const entries = await redis.xrange(stream, '-', '+');
    expect(entries).toHaveLength(1);
    const fields = Object.fromEntries(
      entries[0]![1].reduce<[string, string][]>((pairs, v, i, all) => {
        if (i % 2 === 0) pairs.push([v, all[i + 1]!]);
        return pairs;
      }, []),
    );
    const me = await h.admin.authorization().getWhoami();
    expect(fields).toMatchObject({
      'message-id': res.body.id,
      'content-type': 'application/json',
      operation: 'events.publish',
      'user-id': String(me.id),
    });
    expect(JSON.parse(fields.body!)).toEqual({ kind: 'signup', user: 7 });
  });

  it('answers 503 when Redis is away and recovers, also from a connection killed on the server', async () => {
    await createOperation(h, {
      name: 'flags.getAll',
      method: 'GET',
      path: '/flags',
      actionClass: 'Fusio.Adapter.Redis.Action.RedisHashGetAll',
      config: { connection: 'cache-via-proxy', key: hash },
    });
    expect((await call(h, 'GET', '/flags')).body).toEqual({ values: { size: '12' } });

    await proxy.down();
    const down = await call(h, 'GET', '/flags');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ success: false });
    const stillDown = await call(h, 'GET', '/flags');
    expect(stillDown.status).toBe(503);
    expect(stillDown.body.message).toMatch(/Connection "cache-via-proxy" is not available$/);
    await proxy.up();
    expect(await call(h, 'GET', '/flags')).toEqual({ status: 200, body: { values: { size: '12' } } });

    // CLIENT KILL on the server: the client Portico holds is noticed as dead and replaced
    const live = await h.portico.platform.connections.get<Redis>('cache');
    const id = await live.client('ID');
    expect(await redis.client('KILL', 'ID', String(id))).toBe(1);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 50 && statuses.at(-1) !== 200; attempt++) {
      const res = await call(h, 'GET', '/settings');
      statuses.push(res.status);
      if (res.status === 200) expect(res.body).toEqual({ values: { size: '12' } });
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const replaced = await h.portico.platform.connections.get<Redis>('cache');
    expect(replaced).not.toBe(live);
  });

  it('closes the live client when the connection config changes', async () => {
    const before = await h.portico.platform.connections.get<Redis>('cache');
    expect(before.status).toBe('ready');
    const updated = await backend(h, 'PUT', '/backend/connection/~cache', {
      config: { host: '127.0.0.1', port: 6379, db: 1 },
    });
    expect(updated.status).toBe(200);
    const after = await h.portico.platform.connections.get<Redis>('cache');
    expect(after).not.toBe(before);
    expect(after.options.db).toBe(1);
    await eventually(async () => before.status === 'end');
    // the hash lives in db 0: through db 1 it is empty
    expect(await call(h, 'GET', '/settings')).toEqual({ status: 200, body: { values: {} } });
  });
});
