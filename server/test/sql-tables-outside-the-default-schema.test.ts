import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import {
  createLegacyDatabase,
  type LegacyDatabase,
  legacyKinds,
  sqliteSystem,
  uniqueName,
} from './support/sql-legacy.js';

const kinds = await legacyKinds();
const databases = await systemDatabases();
const hasPostgres = kinds.includes('postgres');
const hasMysql = kinds.includes('mysql');

async function call(h: Harness, method: string, path: string, body?: unknown) {
  const res = await h.fetch(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe.skipIf(!hasPostgres).each(databases)(
  'a legacy table in a PostgreSQL schema, exposed through the fusio-sdk (system database $kind)',
  (database) => {
    let h: Harness;
    let legacy: LegacyDatabase;

    beforeAll(async () => {
      legacy = await createLegacyDatabase('postgres');
      await legacy.query('CREATE SCHEMA legacy');
      await legacy.query(
        'CREATE TABLE legacy.servers (id SERIAL PRIMARY KEY, host VARCHAR(64) NOT NULL, cores INTEGER NOT NULL DEFAULT 1)',
      );
      // a table of the same name in the default schema must not be what legacy.servers finds
      await legacy.query('CREATE TABLE public.servers (id SERIAL PRIMARY KEY, other TEXT)');
      await legacy.query("INSERT INTO legacy.servers (host, cores) VALUES ('db1', 8), ('web1', 2)");
      h = await startHarness(database);
      await h.admin
        .backend()
        .connection()
        .create({ name: 'legacy', class: 'Fusio.Adapter.Sql.Connection.Sql', config: legacy.sqlConfig });
    });
    afterAll(async () => {
      await h?.close();
      await legacy?.close();
    });

    it('serves select-all, select-row and insert on legacy.servers', async () => {
      const backend = h.admin.backend();
      for (const [name, type] of [
        ['servers-list', 'SqlSelectAll'],
        ['servers-get', 'SqlSelectRow'],
        ['servers-insert', 'SqlInsert'],
      ] as const) {
        const created = await backend.action().create({
          name,
          class: `Fusio.Adapter.Sql.Action.${type}`,
          config: { connection: 'legacy', table: 'legacy.servers' },
        });
        expect(created.success).toBe(true);
      }
      for (const [name, httpMethod, httpPath, action] of [
        ['servers.getAll', 'GET', '/servers', 'servers-list'],
        ['servers.get', 'GET', '/servers/:id', 'servers-get'],
        ['servers.create', 'POST', '/servers', 'servers-insert'],
      ] as const) {
        await backend.operation().create({ name, httpMethod, httpPath, action, public: true });
      }

      const list = await call(h, 'GET', '/servers');
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ totalResults: 2 });
      expect(((list.body?.entry ?? []) as { host: string }[]).map((e) => e.host).sort()).toEqual(['db1', 'web1']);

      const one = await call(h, 'GET', '/servers/1');
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ id: 1, host: 'db1', cores: 8 });

      const created = await call(h, 'POST', '/servers', { host: 'cache1', cores: 4 });
      expect(created.status).toBe(201);
      expect(await legacy.query('SELECT host, cores FROM legacy.servers WHERE host = ?', ['cache1'])).toEqual([
        { host: 'cache1', cores: 4 },
      ]);
      expect(await legacy.query('SELECT COUNT(*)::int AS n FROM public.servers')).toEqual([{ n: 0 }]);
    });

    it('refuses to save an action whose table does not exist, naming it', async () => {
      const backend = h.admin.backend();
      const refused = await sdkError(
        backend.action().create({
          name: 'ghost-list',
          class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
          config: { connection: 'legacy', table: 'legacy.ghosts' },
        }),
      );
      expect(refused.success).toBe(false);
      expect(refused.message).toMatch(/Table legacy\.ghosts does not exist/);
      const inOtherSchema = await sdkError(
        backend.action().create({
          name: 'ghost-row',
          class: 'Fusio.Adapter.Sql.Action.SqlSelectRow',
          config: { connection: 'legacy', table: 'nowhere.servers' },
        }),
      );
      expect(inOtherSchema.message).toMatch(/Table nowhere\.servers does not exist/);
      const names = (await backend.action().getAll(0, 100)).entry?.map((a) => a.name);
      expect(names).not.toContain('ghost-list');
      expect(names).not.toContain('ghost-row');

      // changing a saved action to a missing table is refused too, and the action stays as it was
      const update = await sdkError(
        backend.action().update('~servers-list', {
          name: 'servers-list',
          class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
          config: { connection: 'legacy', table: 'legacy.ghosts' },
        }),
      );
      expect(update.message).toMatch(/Table legacy\.ghosts does not exist/);
      expect((await backend.action().get('~servers-list')).config).toMatchObject({ table: 'legacy.servers' });
    });

    it('saves an action whose connection cannot be reached now, and answers 503 until it can', async () => {
      const backend = h.admin.backend();
      const gone = await createLegacyDatabase('postgres');
      await backend
        .connection()
        .create({ name: 'gone', class: 'Fusio.Adapter.Sql.Connection.Sql', config: gone.sqlConfig });
      await gone.close();
      const saved = await backend.action().create({
        name: 'gone-list',
        class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
        config: { connection: 'gone', table: 'legacy.servers' },
      });
      expect(saved.success).toBe(true);
      await backend
        .operation()
        .create({ name: 'gone.getAll', httpMethod: 'GET', httpPath: '/gone', action: 'gone-list', public: true });
      expect((await call(h, 'GET', '/gone')).status).toBe(503);
    });

    it('browses legacy.servers in the database browser', async () => {
      const db = h.admin.backend().connection().database();
      const table = await db.getTable('legacy', 'legacy.servers');
      expect(table.name).toBe('legacy.servers');
      expect(table.columns?.map((c) => c.name)).toEqual(['id', 'host', 'cores']);
      expect(table.primaryKey).toBe('id');
      const rows = await db.getRows('legacy', 'legacy.servers');
      expect(rows.totalResults).toBe(3);
      const row = await db.getRow('legacy', 'legacy.servers', '2');
      expect(row).toMatchObject({ host: 'web1', cores: 2 });
      await db.updateRow('legacy', 'legacy.servers', '2', { cores: 3 });
      expect(await legacy.query('SELECT cores FROM legacy.servers WHERE id = 2')).toEqual([{ cores: 3 }]);
      expect((await sdkError(db.getTable('legacy', 'legacy.ghosts'))).message).toBe('Provided table does not exist');
    });

    it('generates a CRUD API for legacy.servers', async () => {
      const generator = h.admin.backend().generator();
      const provider = 'Fusio.Adapter.Sql.Generator.SqlTable';
      const changelog = await generator.getChangelog(provider, { connection: 'legacy', table: 'legacy.servers' });
      expect(changelog.schemas?.map((s) => (s.source as { title?: string }).title)).toEqual([
        'Legacy_Servers_Collection',
        'Legacy_Servers',
      ]);
      const result = await generator.executeProvider(provider, {
        path: '/fleet',
        public: true,
        config: { connection: 'legacy', table: 'legacy.servers' },
      });
      expect(result.success).toBe(true);
      const list = await call(h, 'GET', '/fleet');
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ totalResults: 3 });
      const created = await call(h, 'POST', '/fleet', { host: 'gen1' });
      expect(created.status).toBe(201);
      expect(await legacy.query('SELECT cores FROM legacy.servers WHERE host = ?', ['gen1'])).toEqual([{ cores: 1 }]);
    });
  },
);

describe.skipIf(!hasMysql)('a table in another database of the same MariaDB server', () => {
  let h: Harness;
  let legacy: LegacyDatabase;
  let other: LegacyDatabase;
  let otherName: string;

  beforeAll(async () => {
    legacy = await createLegacyDatabase('mysql');
    other = await createLegacyDatabase('mysql');
    otherName = String(
      (await other.query<{ name: string }>('SELECT DATABASE() AS name'))[0]?.name ?? uniqueName('missing'),
    );
    await other.query(
      'CREATE TABLE servers (id INT AUTO_INCREMENT PRIMARY KEY, host VARCHAR(64) NOT NULL) ENGINE=InnoDB',
    );
    await other.query("INSERT INTO servers (host) VALUES ('db1')");
    h = await startHarness(sqliteSystem);
    await h.admin
      .backend()
      .connection()
      .create({ name: 'legacy', class: 'Fusio.Adapter.Sql.Connection.Sql', config: legacy.sqlConfig });
  });
  afterAll(async () => {
    await h?.close();
    await other?.close();
    await legacy?.close();
  });

  it('reads and writes db.table, and refuses a table that is not there', async () => {
    const backend = h.admin.backend();
    const table = `${otherName}.servers`;
    await backend.action().create({
      name: 'other-list',
      class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
      config: { connection: 'legacy', table },
    });
    await backend.action().create({
      name: 'other-insert',
      class: 'Fusio.Adapter.Sql.Action.SqlInsert',
      config: { connection: 'legacy', table },
    });
    await backend
      .operation()
      .create({ name: 'other.getAll', httpMethod: 'GET', httpPath: '/other', action: 'other-list', public: true });
    await backend
      .operation()
      .create({ name: 'other.create', httpMethod: 'POST', httpPath: '/other', action: 'other-insert', public: true });
    expect((await call(h, 'POST', '/other', { host: 'web1' })).status).toBe(201);
    const list = await call(h, 'GET', '/other');
    expect(list.status).toBe(200);
    expect(((list.body?.entry ?? []) as { host: string }[]).map((e) => e.host).sort()).toEqual(['db1', 'web1']);
    expect(await other.query('SELECT host FROM servers ORDER BY id')).toEqual([{ host: 'db1' }, { host: 'web1' }]);

    const refused = await sdkError(
      backend.action().create({
        name: 'other-ghost',
        class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
        config: { connection: 'legacy', table: `${otherName}.ghosts` },
      }),
    );
    expect(refused.message).toContain(`Table ${otherName}.ghosts does not exist`);
  });
});
