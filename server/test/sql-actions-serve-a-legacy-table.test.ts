import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import {
  createLegacyDatabase,
  type LegacyDatabase,
  type LegacyKind,
  legacyKinds,
  sqliteSystem,
} from './support/sql-legacy.js';

const kinds = await legacyKinds();

const newsTable: Record<LegacyKind, string> = {
  postgres: `CREATE TABLE news (id SERIAL PRIMARY KEY, title VARCHAR(64) NOT NULL, content TEXT NULL,
    views INTEGER NOT NULL DEFAULT 0, price NUMERIC(8,2) NULL, published BOOLEAN NOT NULL DEFAULT FALSE,
    created TIMESTAMP NULL, email VARCHAR(100) NULL UNIQUE)`,
  mysql: `CREATE TABLE news (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(64) NOT NULL, content TEXT NULL,
    views INT NOT NULL DEFAULT 0, price DECIMAL(8,2) NULL, published TINYINT(1) NOT NULL DEFAULT 0,
    created DATETIME NULL, email VARCHAR(100) NULL UNIQUE) ENGINE=InnoDB`,
  sqlite: `CREATE TABLE news (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(64) NOT NULL, content TEXT NULL,
    views INTEGER NOT NULL DEFAULT 0, price NUMERIC(8,2) NULL, published BOOLEAN NOT NULL DEFAULT 0,
    created DATETIME NULL, email VARCHAR(100) NULL UNIQUE)`,
};

function titles(res: { body?: Record<string, unknown> | undefined }): string[] {
  return ((res.body?.entry ?? []) as { title: string }[]).map((e) => e.title);
}

async function sdkError(promise: Promise<unknown>): Promise<{ message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(kinds)('SQL actions serve a legacy %s table over public operations', (kind) => {
  let h: Harness;
  let legacy: LegacyDatabase;

  async function call(method: string, path: string, body?: unknown) {
    const res = await h.fetch(path, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  async function rowCount(): Promise<number> {
    const [row] = await legacy.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM news');
    return Number(row?.n);
  }

  beforeAll(async () => {
    legacy = await createLegacyDatabase(kind);
    await legacy.query(newsTable[kind]);
    h = await startHarness(sqliteSystem);
    const backend = h.admin.backend();
    await backend
      .connection()
      .create({ name: 'legacy', class: 'Fusio.Adapter.Sql.Connection.Sql', config: legacy.sqlConfig });
    const actions: [string, string, Record<string, unknown>][] = [
      ['news-list', 'SqlSelectAll', { limit: 3 }],
      ['news-get', 'SqlSelectRow', {}],
      ['news-insert', 'SqlInsert', {}],
      ['news-update', 'SqlUpdate', {}],
      ['news-delete', 'SqlDelete', {}],
    ];
    for (const [name, type, extra] of actions) {
      await backend.action().create({
        name,
        class: `Fusio.Adapter.Sql.Action.${type}`,
        config: { connection: 'legacy', table: 'news', ...extra },
      });
    }
    await backend.action().create({
      name: 'news-popular',
      class: 'Fusio.Adapter.Sql.Action.Query.SqlQueryAll',
      config: {
        connection: 'legacy',
        sql: "SELECT id, title FROM news WHERE views >= :min AND title <> ':min is not a parameter' ORDER BY id",
        limit: 10,
      },
    });
    await backend.action().create({
      name: 'news-title',
      class: 'Fusio.Adapter.Sql.Action.Query.SqlQueryRow',
      config: { connection: 'legacy', sql: 'SELECT title, views FROM news WHERE id = :id' },
    });
    const operations: [string, string, string, string, number?][] = [
      ['news.list', 'GET', '/news', 'news-list'],
      ['news.get', 'GET', '/news/:id', 'news-get'],
      ['news.create', 'POST', '/news', 'news-insert', 201],
      ['news.update', 'PUT', '/news/:id', 'news-update'],
      ['news.delete', 'DELETE', '/news/:id', 'news-delete'],
      ['news.popular', 'GET', '/news-popular', 'news-popular'],
      ['news.title', 'GET', '/news-title/:id', 'news-title'],
    ];
    for (const [name, httpMethod, httpPath, action, httpCode] of operations) {
      await backend.operation().create({ name, httpMethod, httpPath, action, public: true, httpCode: httpCode ?? 200 });
    }
  });
  afterAll(async () => {
    await h?.close();
    await legacy?.close();
  });

  it('refuses a connection that cannot reach its database, and masks the SQL-Advanced URL', async () => {
    const wrong = await sdkError(
      h.admin
        .backend()
        .connection()
        .create({
          name: 'broken',
          class: 'Fusio.Adapter.Sql.Connection.Sql',
          config: { ...legacy.sqlConfig, database: kind === 'sqlite' ? '/nonexistent/app.db' : 'no_such_database_x' },
        }),
    );
    expect(wrong.message).toMatch(/^Connection test failed: /);
    const list = await h.admin.backend().connection().getAll(0, 100);
    expect(list.entry?.map((c) => c.name)).not.toContain('broken');

    const advanced = await h.admin
      .backend()
      .connection()
      .create({ name: 'legacy-url', class: 'Fusio.Adapter.Sql.Connection.SqlAdvanced', config: { url: legacy.url } });
    expect(advanced.success).toBe(true);
    const shown = await h.admin.backend().connection().get('~legacy-url');
    expect(shown.config).toEqual({ url: '********' });
    const bad = await sdkError(
      h.admin
        .backend()
        .connection()
        .create({
          name: 'legacy-bad',
          class: 'Fusio.Adapter.Sql.Connection.SqlAdvanced',
          config: { url: 'oracle://x' },
        }),
    );
    expect(bad.message).toContain('must start with postgres://');
  });

  it('offers the SQL connections and a SQL editor in the action forms', async () => {
    const form = await h.admin.backend().action().getForm('Fusio.Adapter.Sql.Action.SqlSelectAll');
    const byName = Object.fromEntries(
      (form.element ?? []).map((e) => [e.name, e as unknown as Record<string, unknown>]),
    );
    expect(byName.connection).toMatchObject({ element: 'select' });
    const options = ((byName.connection?.options ?? []) as { key: string }[]).map((o) => o.key);
    expect(options).toContain('legacy');
    expect(byName.orderDirection).toMatchObject({ element: 'select' });
    const query = await h.admin.backend().action().getForm('Fusio.Adapter.Sql.Action.Query.SqlQueryAll');
    expect(query.element?.find((e) => e.name === 'sql')).toMatchObject({ element: 'textarea', mode: 'sql' });
    const classes = (await h.admin.backend().action().getClasses()).actions?.map((a) => a.class);
    expect(classes).toEqual(
      expect.arrayContaining([
        'Fusio.Adapter.Sql.Action.SqlSelectAll',
        'Fusio.Adapter.Sql.Action.SqlSelectRow',
        'Fusio.Adapter.Sql.Action.SqlInsert',
        'Fusio.Adapter.Sql.Action.SqlUpdate',
        'Fusio.Adapter.Sql.Action.SqlDelete',
        'Fusio.Adapter.Sql.Action.Query.SqlQueryAll',
        'Fusio.Adapter.Sql.Action.Query.SqlQueryRow',
      ]),
    );
  });

  it('creates, reads, updates and deletes a row through the operations', async () => {
    const created = await call('POST', '/news', {
      title: 'Hello',
      content: 'World',
      views: 3,
      price: 12.5,
      published: true,
      created: '2026-11-28T10:11:12Z',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, message: 'Entry successfully created' });
    const id = Number(created.body?.id);
    expect(id).toBeGreaterThan(0);
    const [stored] = await legacy.query<Record<string, unknown>>('SELECT title, views, price FROM news WHERE id = ?', [
      id,
    ]);
    expect(stored?.title).toBe('Hello');
    expect(Number(stored?.views)).toBe(3);
    expect(Number(stored?.price)).toBe(12.5);

    const read = await call('GET', `/news/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id,
      title: 'Hello',
      content: 'World',
      views: 3,
      price: 12.5,
      published: true,
      created: '2026-11-28T10:11:12Z',
      email: null,
    });

    const updated = await call('PUT', `/news/${id}`, { title: 'Hello again', published: false });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ success: true, message: 'Entry successfully updated', id: String(id) });
    const [after] = await legacy.query<Record<string, unknown>>('SELECT title, published FROM news WHERE id = ?', [id]);
    expect(after?.title).toBe('Hello again');
    expect(Number(after?.published)).toBe(0);

    const removed = await call('DELETE', `/news/${id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ success: true, message: 'Entry successfully deleted', id: String(id) });
    expect(await legacy.query('SELECT id FROM news WHERE id = ?', [id])).toEqual([]);

    const gone = await call('GET', `/news/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ success: false, message: 'Entry not available' });
    expect((await call('PUT', `/news/${id}`, { title: 'x' })).status).toBe(404);
    expect((await call('DELETE', `/news/${id}`)).status).toBe(404);
  });

  it('answers 409 on a unique violation and 400 for null, wrong types and unknown properties', async () => {
    expect((await call('POST', '/news', { title: 'First', email: 'a@example.com' })).status).toBe(201);
    const before = await rowCount();
    const duplicate = await call('POST', '/news', { title: 'Second', email: 'a@example.com' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ success: false });
    expect(String(duplicate.body?.message)).toContain('already exists');

    const cases: [unknown, RegExp][] = [
      [{ title: null }, /Property title must not be null/],
      [{ content: 'no title' }, /Property title must not be null/],
      [{ title: 'x', views: 'many' }, /Property views must be an integer/],
      [{ title: 'x', views: 1.5 }, /Property views must be an integer/],
      [{ title: 'x', views: 1e30 }, /Property views must be an integer between/],
      // INTEGER is 32 bits on PostgreSQL and MariaDB, 64 on SQLite
      [{ title: 'x', views: kind === 'sqlite' ? '9223372036854775808' : 2147483648 }, /must be an integer between/],
      [{ title: 'x'.repeat(65) }, /Property title must not be longer than 64 characters/],
      [{ title: 'x', published: 'yes' }, /Property published must be a boolean/],
      [{ title: 'x', created: 'yesterday' }, /Property created must be a date-time/],
      [{ title: 'x', price: 'cheap' }, /Property price must be a decimal number/],
      [{ title: 'x', price: 1234567.5 }, /Property price must have at most 6 digits/],
      [{ title: 'x', 'title; DROP TABLE news': 1 }, /is not a column of this table/],
      ['[1,2]', /must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/news', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body?.message)).toMatch(message);
    }
    const [first] = await legacy.query<{ id: number }>("SELECT id FROM news WHERE email = 'a@example.com'");
    const nullUpdate = await call('PUT', `/news/${first?.id}`, { title: null });
    expect(nullUpdate.status).toBe(400);
    expect(nullUpdate.body?.message).toBe('Property title must not be null');
    expect(await rowCount()).toBe(before);
  });

  it('pages, sorts and filters the collection', async () => {
    await legacy.query('DELETE FROM news');
    for (const [title, views] of [
      ['alpha', 1],
      ['beta', 5],
      ['gamma', 10],
      ['alphabet', 7],
      ['delta_x', 0],
    ] as const) {
      await legacy.query('INSERT INTO news (title, views) VALUES (?, ?)', [title, views]);
    }
    const all = await call('GET', '/news');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ totalResults: 5, itemsPerPage: 3, startIndex: 0 });
    // default order: primary key, descending
    expect(titles(all)).toEqual(['delta_x', 'alphabet', 'gamma']);

    const page = await call('GET', '/news?sortBy=title&sortOrder=asc&startIndex=1&count=2');
    expect(titles(page)).toEqual(['alphabet', 'beta']);
    expect(page.body).toMatchObject({ itemsPerPage: 2, startIndex: 1 });
    // count above the configured limit falls back to the limit
    expect((await call('GET', '/news?count=500')).body?.itemsPerPage).toBe(3);

    const contains = await call('GET', '/news?filterBy=title&filterOp=contains&filterValue=pha');
    expect(contains.body?.totalResults).toBe(2);
    const starts = await call('GET', '/news?filterBy=title&filterOp=startsWith&filterValue=delta_');
    expect(titles(starts)).toEqual(['delta_x']);
    // LIKE wildcards in the value are literal characters
    expect((await call('GET', '/news?filterBy=title&filterOp=contains&filterValue=%25')).body?.totalResults).toBe(0);
    const equals = await call('GET', '/news?filterBy=views&filterOp=equals&filterValue=10');
    expect(titles(equals)).toEqual(['gamma']);
    // a query parameter named like a column filters by it; others are left to the operation
    expect(titles(await call('GET', '/news?views=10&cachebust=1'))).toEqual(['gamma']);
    expect(titles(await call('GET', '/news?title=beta&views=5'))).toEqual(['beta']);
    expect((await call('GET', '/news?title=beta&views=6')).body?.totalResults).toBe(0);
    const badColumnValue = await call('GET', '/news?views=many');
    expect(badColumnValue.status).toBe(400);
    expect(badColumnValue.body?.message).toBe('Property views must be an integer');
    const present = await call('GET', '/news?filterBy=content&filterOp=present');
    expect(present.body?.totalResults).toBe(0);
  });

  it.skipIf(kind !== 'postgres')(
    "keeps the database's own words (types, sizes, the value) out of a 400; they go to the log",
    async () => {
      const wrongType = await call('GET', '/news-popular?min=not-a-number');
      expect(wrongType.status).toBe(400);
      expect(wrongType.body?.message).toBe('A value has the wrong type');
      expect(JSON.stringify(wrongType.body)).not.toMatch(/invalid input syntax|integer|not-a-number/);
    },
  );

  it('binds named parameters of configured queries', async () => {
    const popular = await call('GET', '/news-popular?min=5');
    expect(popular.status).toBe(200);
    expect(popular.body).toMatchObject({ totalResults: 3, itemsPerPage: 10, startIndex: 0 });
    expect(titles(popular)).toEqual(['beta', 'gamma', 'alphabet']);
    const paged = await call('GET', '/news-popular?min=5&count=1&startIndex=2');
    expect(titles(paged)).toEqual(['alphabet']);

    const [gamma] = await legacy.query<{ id: number }>("SELECT id FROM news WHERE title = 'gamma'");
    const row = await call('GET', `/news-title/${gamma?.id}`);
    expect(row.status).toBe(200);
    expect(row.body).toEqual({ title: 'gamma', views: 10 });
    const missing = await call('GET', '/news-title/999999');
    expect(missing.status).toBe(404);
  });

  it('treats hostile input as data or refuses it, and never changes the table', async () => {
    const before = await rowCount();
    const refused: [string, string, unknown?][] = [
      ['GET', '/news?filterBy=title%3B%20DROP%20TABLE%20news&filterValue=x'],
      ['GET', '/news?filterBy=nope&filterOp=equals&filterValue=1'],
      ['GET', '/news?filterBy=title&filterOp=matches&filterValue=x'],
      ['GET', '/news?sortBy=title%20DESC%3B%20DROP%20TABLE%20news'],
      ['GET', '/news?sortBy=title&sortOrder=sideways'],
      ['GET', '/news?filterBy=views&filterOp=equals&filterValue=1%20OR%201%3D1'],
      ['GET', '/news?count=ten'],
      ['GET', '/news/1%20OR%201%3D1'],
      ['GET', '/news/99999999999999999999999'],
      ['PUT', '/news/1%3B%20DROP%20TABLE%20news', { title: 'x' }],
      ['DELETE', "/news/1'--"],
    ];
    for (const [method, path, body] of refused) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body).toMatchObject({ success: false });
    }
    const injected = await call(
      'GET',
      `/news?filterBy=title&filterOp=equals&filterValue=${encodeURIComponent("x' OR '1'='1")}`,
    );
    expect(injected.status).toBe(200);
    expect(injected.body?.totalResults).toBe(0);
    const viaQuery = await call('GET', `/news-title/${encodeURIComponent('1; DROP TABLE news')}`);
    expect(viaQuery.status).toBeLessThan(500);
    expect(await rowCount()).toBe(before);

    const nasty = `O'Brien "quoted" \\ back; DROP TABLE news; -- ✓ 😀 \u202e`;
    const created = await call('POST', '/news', { title: nasty, content: '%_!' });
    expect(created.status).toBe(201);
    const [stored] = await legacy.query<{ title: string; content: string }>(
      'SELECT title, content FROM news WHERE id = ?',
      [Number(created.body?.id)],
    );
    expect(stored).toEqual({ title: nasty, content: '%_!' });
    const search = await call(
      'GET',
      `/news?filterBy=title&filterOp=contains&filterValue=${encodeURIComponent("O'Brien")}`,
    );
    expect(search.body?.totalResults).toBe(1);
    expect(await rowCount()).toBe(before + 1);
  });

  it('picks up a column added to the legacy table once the action is saved again', async () => {
    await legacy.query(
      kind === 'mysql'
        ? 'ALTER TABLE news ADD COLUMN rating INT NULL'
        : 'ALTER TABLE news ADD COLUMN rating INTEGER NULL',
    );
    const action = await h.admin.backend().action().get('~news-get');
    await h.admin.backend().action().update('~news-get', { config: action.config });
    const [any] = await legacy.query<{ id: number }>('SELECT id FROM news ORDER BY id LIMIT 1');
    const read = await call('GET', `/news/${any?.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toHaveProperty('rating', null);
  });
});
