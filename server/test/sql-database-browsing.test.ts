import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { createLegacyDatabase, type LegacyDatabase, legacyKinds, sqliteSystem } from './support/sql-legacy.js';

const kinds = await legacyKinds();

async function sdkError(promise: Promise<unknown>): Promise<{ message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(kinds)('an admin browses and edits a %s database through the connection', (kind) => {
  let h: Harness;
  let legacy: LegacyDatabase;
  const db = () => h.admin.backend().connection().database();

  beforeAll(async () => {
    legacy = await createLegacyDatabase(kind);
    h = await startHarness(sqliteSystem);
    await h.admin
      .backend()
      .connection()
      .create({ name: 'shop', class: 'Fusio.Adapter.Sql.Connection.Sql', config: legacy.sqlConfig });
  });
  afterAll(async () => {
    await h?.close();
    await legacy?.close();
  });

  it('creates a table from a BackendDatabaseTable and describes it back', async () => {
    const created = await db().createTable('shop', {
      name: 'product',
      columns: [
        { name: 'id', type: 'integer', autoIncrement: true },
        { name: 'sku', type: 'string', length: 32 },
        { name: 'title', type: 'string', length: 120, comment: 'shown to customers' },
        { name: 'price', type: 'decimal', precision: 10, scale: 2, notNull: false },
        { name: 'active', type: 'boolean', default: true },
        { name: 'added', type: 'datetime', notNull: false },
        { name: 'data', type: 'json', notNull: false },
      ],
      primaryKey: 'id',
      indexes: [{ name: 'product_sku', unique: true, columns: ['sku'] }],
    });
    expect(created).toMatchObject({ success: true, message: 'Table successfully created' });

    const table = await db().getTable('shop', 'product');
    expect(table.name).toBe('product');
    expect(table.primaryKey).toBe('id');
    const byName = Object.fromEntries((table.columns ?? []).map((c) => [c.name, c]));
    expect(byName.id).toMatchObject({ type: 'integer', notNull: true, autoIncrement: true });
    expect(byName.sku).toMatchObject({ type: 'string', length: 32, notNull: true, autoIncrement: false });
    expect(byName.price).toMatchObject({ type: 'decimal', precision: 10, scale: 2, notNull: false });
    expect(byName.active).toMatchObject({ type: 'boolean', notNull: true });
    expect(byName.added).toMatchObject({ type: 'datetime', notNull: false });
    expect(byName.data).toMatchObject({ type: 'json' });
    if (kind !== 'sqlite') expect(byName.title?.comment).toBe('shown to customers');
    expect(table.indexes).toContainEqual({ name: 'product_sku', unique: true, columns: ['sku'] });

    // the live table exists in the legacy database itself
    expect(await legacy.query('SELECT * FROM product')).toEqual([]);
  });

  it('lists tables in pages', async () => {
    await db().createTable('shop', {
      name: 'category',
      columns: [
        { name: 'id', type: 'integer', autoIncrement: true },
        { name: 'name', type: 'string' },
      ],
      primaryKey: 'id',
    });
    const all = await db().getTables('shop');
    expect(all.totalResults).toBe(2);
    expect(all.entry?.map((t) => t.name)).toEqual(['category', 'product']);
    const second = await db().getTables('shop', 1, 1);
    expect(second).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 1, entry: [{ name: 'product' }] });
  });

  it('creates, reads, lists, updates and deletes rows with checked values', async () => {
    const first = await db().createRow('shop', 'product', {
      sku: 'A-1',
      title: 'Anvil',
      price: 99.5,
      added: '2026-01-02T03:04:05Z',
      data: { weight: 50, tags: ['heavy'] },
    });
    expect(first).toMatchObject({ success: true, message: 'Row successfully created' });
    const id = first.id as string;
    await db().createRow('shop', 'product', { sku: 'B-2', title: 'Bucket', price: 5 });
    await db().createRow('shop', 'product', { sku: 'C-3', title: 'Crate', active: false });

    const row = await db().getRow('shop', 'product', id);
    expect(row).toEqual({
      id: Number(id),
      sku: 'A-1',
      title: 'Anvil',
      price: 99.5,
      active: true,
      added: '2026-01-02T03:04:05Z',
      data: { weight: 50, tags: ['heavy'] },
    });

    const page = await db().getRows(
      'shop',
      'product',
      0,
      2,
      undefined,
      undefined,
      undefined,
      'sku',
      'ASC',
      'sku,title',
    );
    expect(page).toMatchObject({ totalResults: 3, itemsPerPage: 2, startIndex: 0 });
    expect(page.entry).toEqual([
      { sku: 'A-1', title: 'Anvil' },
      { sku: 'B-2', title: 'Bucket' },
    ]);
    const filtered = await db().getRows('shop', 'product', 0, 16, 'title', 'startsWith', 'C');
    expect(filtered.entry?.map((r) => r.sku)).toEqual(['C-3']);
    const inactive = await db().getRows('shop', 'product', 0, 16, 'active', 'equals', 'false');
    expect(inactive.entry?.map((r) => r.sku)).toEqual(['C-3']);

    expect(await db().updateRow('shop', 'product', id, { price: 89.99, data: null })).toMatchObject({
      success: true,
      message: 'Row successfully updated',
      id,
    });
    const [stored] = await legacy.query<{ price: unknown; data: unknown }>(
      'SELECT price, data FROM product WHERE id = ?',
      [Number(id)],
    );
    expect(Number(stored?.price)).toBe(89.99);
    expect(stored?.data).toBeNull();

    expect(await db().deleteRow('shop', 'product', id)).toMatchObject({
      success: true,
      message: 'Row successfully deleted',
    });
    expect(await legacy.query('SELECT id FROM product WHERE id = ?', [Number(id)])).toEqual([]);
    expect(await sdkError(db().getRow('shop', 'product', id))).toMatchObject({ message: 'Row not found' });
    expect(await sdkError(db().deleteRow('shop', 'product', id))).toMatchObject({ message: 'Row not found' });
  });

  it('refuses bad rows and hostile names without touching the database', async () => {
    const before = await legacy.query('SELECT COUNT(*) AS n FROM product');
    const duplicate = await sdkError(db().createRow('shop', 'product', { sku: 'B-2', title: 'Again' }));
    expect(duplicate.message).toContain('already exists');
    expect((await sdkError(db().createRow('shop', 'product', { sku: 'Z' }))).message).toBe(
      'Property title must not be null',
    );
    expect((await sdkError(db().createRow('shop', 'product', { sku: 'Z', title: 'x', price: 'free' }))).message).toBe(
      'Property price must be a decimal number',
    );
    expect(
      (await sdkError(db().createRow('shop', 'product', { sku: 'Z', title: 'x', 'id) --': 1 }))).message,
    ).toContain('is not a column');
    expect((await sdkError(db().getRows('shop', 'product', 0, 16, 'nope', 'equals', 'x'))).message).toContain(
      'unknown column',
    );
    expect(
      (
        await sdkError(
          db().getRows('shop', 'product', 0, 16, undefined, undefined, undefined, 'sku; DROP TABLE product'),
        )
      ).message,
    ).toContain('unknown column');
    expect(
      (
        await sdkError(
          db().getRows('shop', 'product', 0, 16, undefined, undefined, undefined, undefined, undefined, 'sku,password'),
        )
      ).message,
    ).toContain('unknown column');
    expect((await sdkError(db().getTable('shop', 'product; DROP TABLE product'))).message).toBe(
      'Provided table does not exist',
    );
    expect((await sdkError(db().getRow('shop', 'product', '1 OR 1=1'))).message).toBe('Property id must be an integer');
    expect(
      (
        await sdkError(
          db().createTable('shop', {
            name: 'x"; DROP TABLE product; --',
            columns: [{ name: 'id', type: 'integer' }],
            primaryKey: 'id',
          }),
        )
      ).message,
    ).toMatch(/^Table name .* must start with a letter/);
    // a default is data: written as an escaped literal, never as SQL
    const hostileDefault = "'); DROP TABLE product; -- \\' \u00e9";
    await db().createTable('shop', {
      name: 'evil',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'note', type: 'string', default: hostileDefault },
      ],
      primaryKey: 'id',
    });
    const evil = await db().getTable('shop', 'evil');
    expect(evil.columns?.find((c) => c.name === 'note')?.default).toBe(hostileDefault);
    await legacy.query('INSERT INTO evil (id) VALUES (1)');
    expect(await legacy.query('SELECT note FROM evil')).toEqual([{ note: hostileDefault }]);
    expect(
      await sdkError(
        db().createTable('shop', { name: 'product', columns: [{ name: 'id', type: 'integer' }], primaryKey: 'id' }),
      ),
    ).toMatchObject({
      message: 'Table already exists',
    });
    expect(await sdkError(db().getTables('no-such-connection'))).toMatchObject({
      message: 'Could not find connection',
    });
    expect(await legacy.query('SELECT COUNT(*) AS n FROM product')).toEqual(before);
  });

  it('alters a table: adds and drops columns, changes an index, renames it; a round trip changes nothing', async () => {
    const table = await db().getTable('shop', 'category');
    expect(await db().updateTable('shop', 'category', table)).toMatchObject({ success: true });
    expect(await db().getTable('shop', 'category')).toEqual(table);

    const changed = {
      ...table,
      columns: [
        ...(table.columns ?? []),
        { name: 'position', type: 'integer', notNull: false },
        { name: 'slug', type: 'string', length: 40, notNull: false },
      ],
      indexes: [{ name: 'category_slug', unique: true, columns: ['slug'] }],
    };
    await db().updateTable('shop', 'category', changed);
    const after = await db().getTable('shop', 'category');
    expect(after.columns?.map((c) => c.name)).toEqual(['id', 'name', 'position', 'slug']);
    expect(after.indexes).toEqual([{ name: 'category_slug', unique: true, columns: ['slug'] }]);

    await db().updateTable('shop', 'category', {
      ...after,
      name: 'section',
      columns: after.columns?.filter((c) => c.name !== 'position'),
    });
    expect((await sdkError(db().getTable('shop', 'category'))).message).toBe('Provided table does not exist');
    const renamed = await db().getTable('shop', 'section');
    expect(renamed.columns?.map((c) => c.name)).toEqual(['id', 'name', 'slug']);

    if (kind === 'sqlite') {
      const refused = await sdkError(
        db().updateTable('shop', 'section', {
          ...renamed,
          columns: renamed.columns?.map((c) => (c.name === 'name' ? { ...c, length: 10 } : c)),
        }),
      );
      expect(refused.message).toContain('not supported on SQLite');
    } else {
      await db().updateTable('shop', 'section', {
        ...renamed,
        columns: renamed.columns?.map((c) => (c.name === 'name' ? { ...c, length: 10, notNull: false } : c)),
      });
      const narrowed = (await db().getTable('shop', 'section')).columns?.find((c) => c.name === 'name');
      expect(narrowed).toMatchObject({ length: 10, notNull: false });
    }
  });

  it('deletes a table', async () => {
    expect(await db().deleteTable('shop', 'section')).toMatchObject({
      success: true,
      message: 'Table successfully deleted',
    });
    expect((await sdkError(db().getTable('shop', 'section'))).message).toBe('Provided table does not exist');
    expect((await db().getTables('shop')).entry?.map((t) => t.name)).toEqual(['evil', 'product']);
  });
});
