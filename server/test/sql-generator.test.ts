import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { createLegacyDatabase, type LegacyDatabase } from './support/sql-legacy.js';

const databases = await systemDatabases();
const provider = 'Fusio.Adapter.Sql.Generator.SqlTable';

async function sdkError(promise: Promise<unknown>): Promise<{ message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(databases)(
  'the SQL-Table generator turns a legacy table into a live API ($kind system database)',
  (database) => {
    let h: Harness;
    let legacy: LegacyDatabase;
    const generator = () => h.admin.backend().generator();

    async function call(method: string, path: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await h.fetch(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }

    async function counts() {
      const [schemas, actions, operations] = await Promise.all([
        h.admin.backend().schema().getAll(0, 1024),
        h.admin.backend().action().getAll(0, 1024),
        h.admin.backend().operation().getAll(0, 1024),
      ]);
      return { schemas: schemas.totalResults, actions: actions.totalResults, operations: operations.totalResults };
    }

    beforeAll(async () => {
      legacy = await createLegacyDatabase('sqlite');
      await legacy.query(
        `CREATE TABLE app_news (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(64) NOT NULL,
       content TEXT NULL, date DATETIME NULL)`,
      );
      await legacy.query("INSERT INTO app_news (title, content) VALUES ('seeded', 'from the legacy app')");
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

    it('lists its providers and renders the form with the SQL connections', async () => {
      const classes = await generator().getClasses();
      expect(classes.providers).toEqual([
        { name: 'SQL-Database', class: 'Fusio.Adapter.Sql.Generator.SqlDatabase' },
        { name: 'SQL-Table', class: provider },
      ]);
      const form = await generator().getForm(provider);
      expect(form.element).toEqual([
        expect.objectContaining({
          element: 'select',
          name: 'connection',
          options: [{ key: 'legacy', value: 'legacy' }],
        }),
        expect.objectContaining({ element: 'input', name: 'table' }),
      ]);
      expect(await sdkError(generator().getForm('Acme.Unknown'))).toMatchObject({
        message: 'Provider is not available',
      });
    });

    it('shows the changelog without creating anything', async () => {
      const before = await counts();
      const changelog = await generator().getChangelog(provider, { connection: 'legacy', table: 'app_news' });
      expect(changelog.schemas?.map((s) => s.name)).toEqual(['SQL_GetAll', 'SQL_Get']);
      expect(changelog.schemas?.[1]?.source).toMatchObject({
        type: 'object',
        properties: {
          id: { type: 'integer' },
          title: { type: 'string', maxLength: 64 },
          content: { type: ['string', 'null'] },
          date: { type: ['string', 'null'], format: 'date-time' },
        },
      });
      expect(changelog.actions?.map((a) => [a.name, a.class])).toEqual([
        ['SQL_GetAll', 'Fusio.Adapter.Sql.Action.SqlSelectAll'],
        ['SQL_Get', 'Fusio.Adapter.Sql.Action.SqlSelectRow'],
        ['SQL_Insert', 'Fusio.Adapter.Sql.Action.SqlInsert'],
        ['SQL_Update', 'Fusio.Adapter.Sql.Action.SqlUpdate'],
        ['SQL_Delete', 'Fusio.Adapter.Sql.Action.SqlDelete'],
      ]);
      expect(changelog.operations?.map((o) => `${o.name} ${o.httpMethod} ${o.httpPath} ${o.httpCode}`)).toEqual([
        'getAll GET / 200',
        'get GET /:id 200',
        'create POST / 201',
        'update PUT /:id 200',
        'delete DELETE /:id 200',
      ]);
      expect(await counts()).toEqual(before);
      expect(
        await sdkError(generator().getChangelog(provider, { connection: 'legacy', table: 'no_such_table' })),
      ).toMatchObject({ message: 'Provided table does not exist' });
    });

    it('proposes every table of the connection with SQL-Database', async () => {
      const changelog = await generator().getChangelog('Fusio.Adapter.Sql.Generator.SqlDatabase', {
        connection: 'legacy',
      });
      expect(changelog.schemas?.map((s) => s.name)).toEqual(['App_news_SQL_GetAll', 'App_news_SQL_Get']);
      expect(changelog.operations?.map((o) => `${o.name} ${o.httpPath}`)).toEqual([
        'app_news.getAll /app_news/',
        'app_news.get /app_news/:id',
        'app_news.create /app_news/',
        'app_news.update /app_news/:id',
        'app_news.delete /app_news/:id',
      ]);
    });

    it('proposes only the chosen tables with SQL-Database, and names a table it cannot use', async () => {
      await legacy.query('CREATE TABLE app_tags (id INTEGER PRIMARY KEY, label VARCHAR(32) NOT NULL)');
      await legacy.query('CREATE TABLE app_pairs (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b))');
      const database = 'Fusio.Adapter.Sql.Generator.SqlDatabase';
      const all = await generator().getChangelog(database, { connection: 'legacy' });
      expect(all.schemas?.map((s) => s.name)).toEqual([
        'App_news_SQL_GetAll',
        'App_news_SQL_Get',
        'App_tags_SQL_GetAll',
        'App_tags_SQL_Get',
      ]);
      const chosen = await generator().getChangelog(database, { connection: 'legacy', tables: ['app_tags'] });
      expect(chosen.operations?.map((o) => `${o.name} ${o.httpPath}`)).toEqual([
        'app_tags.getAll /app_tags/',
        'app_tags.get /app_tags/:id',
        'app_tags.create /app_tags/',
        'app_tags.update /app_tags/:id',
        'app_tags.delete /app_tags/:id',
      ]);
      expect(
        await sdkError(generator().getChangelog(database, { connection: 'legacy', tables: ['nope'] })),
      ).toMatchObject({
        message: 'Table "nope" does not exist',
      });
      expect(
        await sdkError(generator().getChangelog(database, { connection: 'legacy', tables: ['app_pairs'] })),
      ).toMatchObject({ message: 'Table app_pairs has a composite primary key, which is not supported' });
      expect(await sdkError(generator().getChangelog(database, { connection: 'legacy', tables: [] }))).toMatchObject({
        message: 'Choose at least one table',
      });
      await legacy.query('DROP TABLE app_tags');
      await legacy.query('DROP TABLE app_pairs');
    });

    it('creates schemas, actions and operations in one call, live at once', async () => {
      const result = await generator().executeProvider(provider, {
        path: '/news',
        scopes: ['news'],
        public: true,
        config: { connection: 'legacy', table: 'app_news' },
      });
      expect(result).toEqual({ success: true, message: 'Provider successfully executed' });

      const getAll = await h.admin.backend().operation().get('~news.getAll');
      expect(getAll).toMatchObject({
        httpMethod: 'GET',
        httpPath: '/news',
        action: 'News_SQL_GetAll',
        outgoing: 'News_SQL_GetAll',
        public: true,
        stability: 1,
        scopes: ['news'],
      });
      const update = await h.admin.backend().operation().get('~news.update');
      expect(update).toMatchObject({ httpMethod: 'PUT', httpPath: '/news/:id', incoming: 'News_SQL_Get' });
      const collection = await h.admin.backend().schema().get('~News_SQL_GetAll');
      expect(collection.source).toMatchObject({ properties: { entry: { items: { $ref: 'News_SQL_Get' } } } });
      const action = await h.admin.backend().action().get('~News_SQL_Insert');
      expect(action).toMatchObject({
        class: 'Fusio.Adapter.Sql.Action.SqlInsert',
        config: { connection: 'legacy', table: 'app_news' },
      });

      // public CRUD straight away, against the legacy table
      const list = await call('GET', '/news');
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({
        totalResults: 1,
        entry: [{ title: 'seeded', content: 'from the legacy app' }],
      });
      const created = await call('POST', '/news', { title: 'generated', date: '2026-11-28T12:00:00Z' });
      expect(created.status).toBe(201);
      const id = created.body?.id as string;
      expect(await legacy.query('SELECT title, date FROM app_news WHERE id = ?', [Number(id)])).toEqual([
        { title: 'generated', date: '2026-11-28 12:00:00' },
      ]);
      expect((await call('PUT', `/news/${id}`, { content: 'edited' })).status).toBe(200);
      expect((await call('GET', `/news/${id}`)).body).toMatchObject({ title: 'generated', content: 'edited' });
      // the generated incoming schema checks the body before the action runs
      const wrongType = await call('POST', '/news', { title: 42 });
      expect(wrongType.status).toBe(400);
      expect(String(wrongType.body?.message)).toContain('title');
      expect((await call('DELETE', `/news/${id}`)).status).toBe(200);
      expect((await call('GET', `/news/${id}`)).status).toBe(404);
    });

    it('creates nothing when any part cannot be created', async () => {
      const before = await counts();
      const again = await sdkError(
        generator().executeProvider(provider, { path: '/news', config: { connection: 'legacy', table: 'app_news' } }),
      );
      expect(again.message).toMatch(/^Already exists: schema News_SQL_GetAll/);
      expect(await counts()).toEqual(before);

      // only the route clashes: the schemas and actions of this run must not be left behind
      await h.admin.backend().operation().create({
        name: 'clash.row',
        httpMethod: 'GET',
        httpPath: '/clash/:slug',
        action: 'News_SQL_Get',
      });
      const clashBefore = await counts();
      const clash = await sdkError(
        generator().executeProvider(provider, { path: '/clash', config: { connection: 'legacy', table: 'app_news' } }),
      );
      expect(clash.message).toContain('/clash/:id');
      expect(await counts()).toEqual(clashBefore);
      expect(await sdkError(h.admin.backend().schema().get('~Clash_SQL_Get'))).toMatchObject({
        message: 'Could not find schema',
      });
      expect((await call('GET', '/clash')).status).toBe(404);

      const reserved = await sdkError(
        generator().executeProvider(provider, {
          path: '/backend',
          config: { connection: 'legacy', table: 'app_news' },
        }),
      );
      expect(reserved.message).toContain('reserved');
      const badPath = await sdkError(
        generator().executeProvider(provider, { path: '/x;drop', config: { connection: 'legacy', table: 'app_news' } }),
      );
      expect(badPath.message).toContain('must use only letters');
      expect(await counts()).toEqual(clashBefore);
    });

    it('lets exactly one of two simultaneous runs for the same path win', async () => {
      const before = await counts();
      const run = () =>
        generator()
          .executeProvider(provider, { path: '/race', config: { connection: 'legacy', table: 'app_news' } })
          .then(
            () => 'created',
            (error: unknown) => (error instanceof CommonMessageException ? error.getPayload().message : String(error)),
          );
      const outcomes = await Promise.all([run(), run(), run()]);
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o !== 'created')) expect(o).toMatch(/^Already exists/);
      expect(await counts()).toEqual({
        schemas: (before.schemas ?? 0) + 2,
        actions: (before.actions ?? 0) + 5,
        operations: (before.operations ?? 0) + 5,
      });
      // live at once (not public: asks for a token)
      expect((await call('GET', '/race')).status).toBe(401);
    });

    it('protects the generated operations with the given scopes when they are not public', async () => {
      await generator().executeProvider(provider, {
        path: '/private/news',
        scopes: ['private-news'],
        public: false,
        config: { connection: 'legacy', table: 'app_news' },
      });
      const op = await h.admin.backend().operation().get('~private.news.getAll');
      expect(op).toMatchObject({ httpPath: '/private/news', public: false, scopes: ['private-news'] });
      expect((await call('GET', '/private/news')).status).toBe(401);
      // the admin's token does not hold the private-news scope
      expect((await call('GET', '/private/news', undefined, await h.adminToken())).status).toBe(403);
    });
  },
);
