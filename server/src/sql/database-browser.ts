import type { BackendDatabaseTable, BackendDatabaseTableColumn } from 'fusio-sdk';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Query } from '../http/query.js';
import type { SqlClient, SqlRow } from './client.js';
import { alterTableStatements, createTableStatements, dropTableStatement } from './ddl.js';
import { placeholder, placeholders, quoteIdentifier, quoteTable } from './dialect.js';
import { type Page, parseListRequest, RowLister } from './rows.js';
import { type ColumnInfo, describeTable, forgetTable, listTables, singlePrimaryKey, type TableInfo } from './table.js';
import { rowConverter, toColumnValue } from './values.js';

function columnView(column: ColumnInfo): BackendDatabaseTableColumn {
  return {
    name: column.name,
    type: column.type,
    length: column.length as number,
    precision: column.precision as number,
    scale: column.scale as number,
    unsigned: column.unsigned,
    fixed: column.fixed,
    notNull: column.notNull,
    autoIncrement: column.autoIncrement,
    default: column.default,
    comment: column.comment as string,
  };
}

/** A live table as fusio-sdk describes one; what a client sends back unchanged alters nothing. */
export function tableView(table: TableInfo): BackendDatabaseTable {
  const view: BackendDatabaseTable = { name: table.name, columns: table.columns.map(columnView) };
  // Fusio shows single-column keys only
  if (table.primaryKey[0] !== undefined) view.primaryKey = table.primaryKey[0];
  view.indexes = table.indexes.map((i) => ({ name: i.name, unique: i.unique, columns: [...i.columns] }));
  view.foreignKeys = table.foreignKeys.map((fk) => ({
    name: fk.name,
    foreignTable: fk.foreignTable,
    localColumnNames: [...fk.localColumnNames],
    foreignColumnNames: [...fk.foreignColumnNames],
  }));
  return view;
}

function primaryKey(table: TableInfo): ColumnInfo {
  const pk = singlePrimaryKey(table);
  if (typeof pk === 'string') throw badRequest(pk);
  return pk;
}

function rowBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw badRequest('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * Browsing and editing the tables of a SQL connection (a database of the installation's API, never the
 * system database). Table and column names from a request are only used after they were found in the
 * database's own catalog; values are always bound. Every change of a table's shape makes the actions
 * introspect it again.
 */
export class DatabaseBrowser {
  constructor(private readonly client: SqlClient) {}

  private get dialect() {
    return this.client.dialect;
  }

  private q(name: string): string {
    return quoteIdentifier(this.dialect, name);
  }

  /** a table, possibly in another schema (`legacy.servers`) */
  private qt(name: string): string {
    return quoteTable(this.dialect, name);
  }

  /** A window of the table names. */
  async tables(startIndex: number, count: number): Promise<{ total: number; names: string[] }> {
    const names = await listTables(this.client);
    return { total: names.length, names: names.slice(startIndex, startIndex + count) };
  }

  /** The live table, introspected now (browsing always shows the current state). */
  async table(raw: string | undefined): Promise<TableInfo> {
    if (!raw) throw badRequest('Provided no table');
    const table = await describeTable(this.client, raw);
    if (!table) throw notFound('Provided table does not exist');
    return table;
  }

  async createTable(body: BackendDatabaseTable): Promise<string> {
    const statements = createTableStatements(this.dialect, body);
    const name = body.name as string;
    if (await describeTable(this.client, name)) throw conflict('Table already exists');
    await this.client.batch(statements);
    this.changed(name);
    return name;
  }

  /** Renames, adds, changes and drops what the body says; the table's name afterwards. */
  async updateTable(raw: string | undefined, body: BackendDatabaseTable): Promise<string> {
    const table = await this.table(raw);
    const target = body.name ?? table.name;
    if (target !== table.name && (await describeTable(this.client, target))) throw conflict('Table already exists');
    const statements = alterTableStatements(this.dialect, table, body);
    if (statements.length > 0) await this.client.batch(statements);
    this.changed(table.name, target);
    return target;
  }

  async deleteTable(raw: string | undefined): Promise<string> {
    const table = await this.table(raw);
    await this.client.batch([dropTableStatement(this.dialect, table.name)]);
    this.changed(table.name);
    return table.name;
  }

  /** A page of rows with Fusio's listing parameters; `columns` narrows what is shown. */
  async rows(
    raw: string | undefined,
    query: Query,
    wanted: string | undefined,
  ): Promise<{ totalResults: number; itemsPerPage: number; startIndex: number; entry: SqlRow[] }> {
    const table = await this.table(raw);
    let columns = [...table.columns];
    if (wanted !== undefined) {
      columns = wanted.split(',').map((name) => {
        const column = table.byName.get(name.trim());
        if (!column) throw badRequest(`Query parameter "columns" names an unknown column "${name.trim()}"`);
        return column;
      });
    }
    const pk = table.primaryKey.length === 1 ? table.byName.get(table.primaryKey[0] as string) : undefined;
    const list = parseListRequest(query, {
      limit: 1024,
      fallbackCount: 16,
      resolve: (name) => table.byName.get(name),
      defaultSort: pk ? { column: pk, direction: 'DESC' } : null,
      dialect: this.dialect,
    });
    const lister = new RowLister(this.client, table.name, columns.map((c) => this.q(c.name)).join(', '), null);
    const page: Page = await lister.page(list);
    const convert = this.converter(columns);
    return {
      totalResults: page.totalResults,
      itemsPerPage: list.count,
      startIndex: list.startIndex,
      entry: convert ? page.rows.map(convert) : page.rows,
    };
  }

  async row(raw: string | undefined, rawId: string | undefined): Promise<SqlRow> {
    const table = await this.table(raw);
    const pk = primaryKey(table);
    const rows: SqlRow[] = await this.client.all(
      `SELECT ${table.columns.map((c) => this.q(c.name)).join(', ')} FROM ${this.qt(table.name)} WHERE ${this.q(pk.name)} = ${placeholder(this.dialect, 1)}`,
      [this.idOf(pk, rawId)],
    );
    const row = rows[0];
    if (!row) throw notFound('Row not found');
    const convert = this.converter(table.columns);
    return convert ? convert(row) : row;
  }

  /** Inserts a row; its id ('' when the table has none to tell). */
  async insertRow(raw: string | undefined, body: unknown): Promise<string> {
    const table = await this.table(raw);
    const { columns, values } = this.rowValues(table, rowBody(body));
    const pk = table.primaryKey.length === 1 ? table.byName.get(table.primaryKey[0] as string) : undefined;
    for (const column of table.columns) {
      if (column.notNull && !column.hasDefault && !column.autoIncrement && !columns.includes(column)) {
        throw badRequest(`Property ${column.name} must not be null`);
      }
    }
    const q = (name: string) => this.q(name);
    const returning = this.dialect === 'postgres' && pk ? ` RETURNING ${q(pk.name)}` : '';
    const sql =
      columns.length === 0
        ? this.dialect === 'mysql'
          ? `INSERT INTO ${this.qt(table.name)} () VALUES ()`
          : `INSERT INTO ${this.qt(table.name)} DEFAULT VALUES${returning}`
        : `INSERT INTO ${this.qt(table.name)} (${columns.map((c) => q(c.name)).join(', ')}) VALUES (${placeholders(this.dialect, columns.length)})${returning}`;
    const result = await this.client.run(sql, values);
    const index = pk ? columns.indexOf(pk) : -1;
    const id = index >= 0 ? values[index] : result.insertId;
    return id === null || id === undefined ? '' : String(id);
  }

  async updateRow(raw: string | undefined, rawId: string | undefined, body: unknown): Promise<string> {
    const table = await this.table(raw);
    const pk = primaryKey(table);
    const id = this.idOf(pk, rawId);
    const { columns, values } = this.rowValues(table, rowBody(body));
    if (columns.length === 0) throw badRequest('Request body contains no property to update');
    const set = columns.map((c, i) => `${this.q(c.name)} = ${placeholder(this.dialect, i + 1)}`).join(', ');
    const result = await this.client.run(
      `UPDATE ${this.qt(table.name)} SET ${set} WHERE ${this.q(pk.name)} = ${placeholder(this.dialect, columns.length + 1)}`,
      [...values, id],
    );
    if (result.changes === 0) throw notFound('Row not found');
    return String(id);
  }

  async deleteRow(raw: string | undefined, rawId: string | undefined): Promise<string> {
    const table = await this.table(raw);
    const pk = primaryKey(table);
    const id = this.idOf(pk, rawId);
    const result = await this.client.run(
      `DELETE FROM ${this.qt(table.name)} WHERE ${this.q(pk.name)} = ${placeholder(this.dialect, 1)}`,
      [id],
    );
    if (result.changes === 0) throw notFound('Row not found');
    return String(id);
  }

  /** Every property must be a column of the table; values are checked against their column. */
  private rowValues(table: TableInfo, body: Record<string, unknown>) {
    const columns: ColumnInfo[] = [];
    const values: unknown[] = [];
    for (const name of Object.keys(body)) {
      const column = table.byName.get(name);
      if (!column) throw badRequest(`Property ${name} is not a column of table ${table.name}`);
      columns.push(column);
      values.push(toColumnValue(column, body[name], this.dialect, name));
    }
    return { columns, values };
  }

  private converter(columns: readonly ColumnInfo[]) {
    return rowConverter(
      columns.map((column) => ({ key: column.name, column })),
      this.dialect,
    );
  }

  private idOf(pk: ColumnInfo, raw: string | undefined): unknown {
    if (raw === undefined || raw === '') throw badRequest('Id not available');
    return toColumnValue({ ...pk, notNull: true }, raw, this.dialect, 'id');
  }

  /** After a change of a table's shape the actions must introspect it again. */
  private changed(...tables: string[]): void {
    for (const t of tables) forgetTable(this.client, t);
  }
}
