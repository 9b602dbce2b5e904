import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Harness, startHarness } from './support/harness.js';
import {
  createLegacyDatabase,
  type LegacyDatabase,
  type LegacyKind,
  legacyKinds,
  sqliteSystem,
  TcpProxy,
} from './support/sql-legacy.js';

// an outage needs a server to lose: SQLite is a file in the same process
const kinds = (await legacyKinds()).filter((k) => k !== 'sqlite');

const itemsTable: Record<Exclude<LegacyKind, 'sqlite'>, string> = {
  postgres: 'CREATE TABLE items (id SERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL)',
  mysql: 'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL)',
};

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(kinds)('a %s outage gives 503 and Portico recovers by itself', (kind) => {
  let h: Harness;
  let legacy: LegacyDatabase;
  let proxy: TcpProxy;

  async function call(method: string, path: string, body?: unknown) {
    const res = await h.fetch(path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, text };
  }

  beforeAll(async () => {
    legacy = await createLegacyDatabase(kind);
    await legacy.query(itemsTable[kind as 'postgres' | 'mysql']);
    await legacy.query("INSERT INTO items (name) VALUES ('first')");
    const target = legacy.sqlConfig;
    proxy = new TcpProxy(String(target.host), Number(target.port));
    await proxy.start();
    h = await startHarness(sqliteSystem);
    const backend = h.admin.backend();
    await backend.connection().create({
      name: 'legacy',
      class: 'Fusio.Adapter.Sql.Connection.Sql',
      config: { ...target, host: '127.0.0.1', port: proxy.port },
    });
    for (const [name, type] of [
      ['items-get', 'SqlSelectRow'],
      ['items-list', 'SqlSelectAll'],
      ['items-insert', 'SqlInsert'],
    ]) {
      await backend.action().create({
        name: name as string,
        class: `Fusio.Adapter.Sql.Action.${type}`,
        config: { connection: 'legacy', table: 'items' },
      });
    }
    await backend.action().create({
      name: 'ping',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: { pong: true } },
    });
    await backend
      .operation()
      .create({ name: 'items.get', httpMethod: 'GET', httpPath: '/items/:id', action: 'items-get', public: true });
    await backend
      .operation()
      .create({ name: 'items.list', httpMethod: 'GET', httpPath: '/items', action: 'items-list', public: true });
    await backend.operation().create({
      name: 'items.create',
      httpMethod: 'POST',
      httpPath: '/items',
      action: 'items-insert',
      public: true,
      httpCode: 201,
    });
    await backend
      .operation()
      .create({ name: 'ping', httpMethod: 'GET', httpPath: '/ping', action: 'ping', public: true });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.stop();
    await legacy?.close();
  });

  it('answers 503 while the database is down, keeps serving other operations, and recovers', async () => {
    expect((await call('GET', '/items/1')).body).toEqual({ id: 1, name: 'first' });

    await proxy.stop();
    for (const [method, path, body] of [
      ['GET', '/items/1'],
      // its first request: the table metadata cannot be loaded either
      ['GET', '/items'],
      ['POST', '/items', { name: 'lost' }],
    ] as const) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.body).toMatchObject({
        success: false,
        message: 'The database is not available, please try again later',
      });
      expect(res.text).not.toContain(String(proxy.port));
    }
    expect((await call('GET', '/ping')).body).toEqual({ pong: true });

    await proxy.start();
    expect((await call('GET', '/items/1')).body).toEqual({ id: 1, name: 'first' });
    expect((await call('GET', '/items')).body).toMatchObject({ totalResults: 1 });
    const created = await call('POST', '/items', { name: 'after' });
    expect(created.status).toBe(201);
    expect(await legacy.query('SELECT name FROM items ORDER BY id')).toEqual([{ name: 'first' }, { name: 'after' }]);
  });

  it('closes the old pool when the connection config changes', async () => {
    await Promise.all([call('GET', '/items/1'), call('GET', '/items'), call('GET', '/items/2')]);
    expect(proxy.openConnections).toBeGreaterThan(0);
    await h.admin
      .backend()
      .connection()
      .update('~legacy', { config: { ...legacy.sqlConfig } });
    await eventually(() => proxy.openConnections === 0);
    expect((await call('GET', '/items/1')).body).toEqual({ id: 1, name: 'first' });
    expect(proxy.openConnections).toBe(0);
  });

  it('refuses to save a connection to a server that does not answer', async () => {
    const port = await freePort();
    try {
      await h.admin
        .backend()
        .connection()
        .create({ name: 'nowhere', class: 'Fusio.Adapter.Sql.Connection.Sql', config: { ...legacy.sqlConfig, port } });
      throw new Error('expected the connection to be refused');
    } catch (error) {
      if (!(error instanceof CommonMessageException)) throw error;
      expect(error.getPayload().message).toMatch(/^Connection test failed: .*ECONNREFUSED/);
    }
  });
});
