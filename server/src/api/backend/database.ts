import type { BackendDatabaseTable, BackendDatabaseTableColumn } from 'fusio-sdk';
import { response } from '../../actions/action.js';
import { sqlConnectionClasses } from '../../connections/sql.js';
import { collection } from '../../db/listing.js';
import { Status } from '../../db/schema.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { paging, queryString } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { isSqlClient, type SqlClient, type SqlRow } from '../../sql/client.js';
import { alterTableStatements, createTableStatements, dropTableStatement } from '../../sql/ddl.js';
import { placeholder, placeholders, quoteIdentifier } from '../../sql/dialect.js';
import { parseListRequest, RowLister } from '../../sql/rows.js';
import {
  type ColumnInfo,
  describeTable,
  forgetTable,
  listTables,
  singlePrimaryKey,
  type TableInfo,
} from '../../sql/table.js';
import { rowConverter, toColumnValue } from '../../sql/values.js';
import { message } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * Browsing and editing the tables of a SQL connection, as fusio-sdk's BackendConnectionDatabaseTag
 * calls it. Table and column names from the request are only used after they were found in the
 * database's own catalog; values are always bound.
 */

const base = '/backend/connection/:connection_id/database';

/** The live SQL client of the connection in the path: an id, `~name`, or a plain name as Fusio allows. */
async function clientOf(platform: Platform, raw: string | undefined): Promise<SqlClient> {
  if (!raw) throw badRequest('Provided no connection');
  let query = platform.db.selectFrom('connections').select(['id', 'class']).where('status', '=', Status.active);
  if (/^\d+$/.test(raw)) query = query.where('id', '=', Number(raw));
  else query = query.where('name', '=', raw.startsWith('~') ? raw.slice(1) : raw);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find connection');
  if (!sqlConnectionClasses.includes(row.class)) throw badRequest('Provided an invalid connection');
  const client = await platform.connections.get(row.id);
  if (!isSqlClient(client)) throw badRequest('Provided an invalid connection');
  return client;
}

/** The live table in the path, introspected now (browsing always shows the current state). */
async function tableOf(client: SqlClient, raw: string | undefined): Promise<TableInfo> {
  if (!raw) throw badRequest('Provided no table');
  const table = await describeTable(client, raw);
  if (!table) throw notFound('Provided table does not exist');
  return table;
}

function primaryKey(table: TableInfo): ColumnInfo {
  const pk = singlePrimaryKey(table);
  if (typeof pk === 'string') throw badRequest(pk);
  return pk;
}

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

function rowBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw badRequest('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Every property must be a column of the table; values are checked against their column. */
function rowValues(client: SqlClient, table: TableInfo, body: Record<string, unknown>) {
  const columns: ColumnInfo[] = [];
  const values: unknown[] = [];
  for (const name of Object.keys(body)) {
    const column = table.byName.get(name);
    if (!column) throw badRequest(`Property ${name} is not a column of table ${table.name}`);
    columns.push(column);
    values.push(toColumnValue(column, body[name], client.dialect, name));
  }
  return { columns, values };
}

function rowConvert(client: SqlClient, columns: readonly ColumnInfo[]) {
  return rowConverter(
    columns.map((column) => ({ key: column.name, column })),
    client.dialect,
  );
}

function idOf(client: SqlClient, pk: ColumnInfo, raw: string | undefined): unknown {
  if (raw === undefined || raw === '') throw badRequest('Id not available');
  return toColumnValue({ ...pk, notNull: true }, raw, client.dialect, 'id');
}

/** After a change of the table's shape the actions must introspect it again. */
function changed(client: SqlClient, ...tables: string[]): void {
  for (const t of tables) forgetTable(client, t);
}

const tableBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    columns: { type: 'array', items: { type: 'object' } },
    primaryKey: { type: 'string' },
    indexes: { type: 'array', items: { type: 'object' } },
    foreignKeys: { type: 'array', items: { type: 'object' } },
  },
};

export const databaseOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.database.getTables',
    method: 'GET',
    path: base,
    description: 'Returns all available tables on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const page = paging(request.query);
      const names = await listTables(client);
      return collection(
        names.length,
        page,
        names.slice(page.startIndex, page.startIndex + page.count).map((name) => ({ name })),
      );
    },
  }),
  systemOperation({
    name: 'backend.connection.database.createTable',
    method: 'POST',
    path: base,
    httpCode: 201,
    incoming: tableBody,
    description: 'Creates a new table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const body = request.body as BackendDatabaseTable;
      const statements = createTableStatements(client.dialect, body);
      if (await describeTable(client, body.name as string)) throw conflict('Table already exists');
      await client.batch(statements);
      changed(client, body.name as string);
      return response(201, message('Table successfully created', body.name as string));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getTable',
    method: 'GET',
    path: `${base}/:table_name`,
    description: 'Returns the schema of a specific table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      return tableView(await tableOf(client, request.params.table_name));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.updateTable',
    method: 'PUT',
    path: `${base}/:table_name`,
    incoming: tableBody,
    description: 'Updates an existing table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      const body = request.body as BackendDatabaseTable;
      const target = body.name ?? table.name;
      if (target !== table.name && (await describeTable(client, target))) throw conflict('Table already exists');
      const statements = alterTableStatements(client.dialect, table, body);
      if (statements.length > 0) await client.batch(statements);
      changed(client, table.name, target);
      return message('Table successfully updated', target);
    },
  }),
  systemOperation({
    name: 'backend.connection.database.deleteTable',
    method: 'DELETE',
    path: `${base}/:table_name`,
    description: 'Deletes an existing table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      await client.batch([dropTableStatement(client.dialect, table.name)]);
      changed(client, table.name);
      return message('Table successfully deleted', table.name);
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getRows',
    method: 'GET',
    path: `${base}/:table_name/rows`,
    description: 'Returns paginated rows at a table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      let columns = [...table.columns];
      const wanted = queryString(request.query, 'columns');
      if (wanted !== undefined) {
        columns = wanted.split(',').map((name) => {
          const column = table.byName.get(name.trim());
          if (!column) throw badRequest(`Query parameter "columns" names an unknown column "${name.trim()}"`);
          return column;
        });
      }
      const pk = table.primaryKey.length === 1 ? table.byName.get(table.primaryKey[0] as string) : undefined;
      const list = parseListRequest(request.query, {
        limit: 1024,
        fallbackCount: 16,
        resolve: (name) => table.byName.get(name),
        defaultSort: pk ? { column: pk, direction: 'DESC' } : null,
        dialect: client.dialect,
      });
      const q = (name: string) => quoteIdentifier(client.dialect, name);
      const lister = new RowLister(client, table.name, columns.map((c) => q(c.name)).join(', '), null);
      const page = await lister.page(list);
      const convert = rowConvert(client, columns);
      return {
        totalResults: page.totalResults,
        itemsPerPage: list.count,
        startIndex: list.startIndex,
        entry: convert ? page.rows.map(convert) : page.rows,
      };
    },
  }),
  systemOperation({
    name: 'backend.connection.database.createRow',
    method: 'POST',
    path: `${base}/:table_name/rows`,
    httpCode: 201,
    incoming: { type: 'object' },
    description: 'Creates a new row at a table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      const { columns, values } = rowValues(client, table, rowBody(request.body));
      const pk = table.primaryKey.length === 1 ? table.byName.get(table.primaryKey[0] as string) : undefined;
      for (const column of table.columns) {
        if (column.notNull && !column.hasDefault && !column.autoIncrement && !columns.includes(column)) {
          throw badRequest(`Property ${column.name} must not be null`);
        }
      }
      const q = (name: string) => quoteIdentifier(client.dialect, name);
      const returning = client.dialect === 'postgres' && pk ? ` RETURNING ${q(pk.name)}` : '';
      const sql =
        columns.length === 0
          ? client.dialect === 'mysql'
            ? `INSERT INTO ${q(table.name)} () VALUES ()`
            : `INSERT INTO ${q(table.name)} DEFAULT VALUES${returning}`
          : `INSERT INTO ${q(table.name)} (${columns.map((c) => q(c.name)).join(', ')}) VALUES (${placeholders(client.dialect, columns.length)})${returning}`;
      const result = await client.run(sql, values);
      const index = pk ? columns.indexOf(pk) : -1;
      const id = index >= 0 ? values[index] : result.insertId;
      return response(201, message('Row successfully created', id === null || id === undefined ? '' : String(id)));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getRow',
    method: 'GET',
    path: `${base}/:table_name/rows/:id`,
    description: 'Returns a specific row at a table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      const pk = primaryKey(table);
      const q = (name: string) => quoteIdentifier(client.dialect, name);
      const rows: SqlRow[] = await client.all(
        `SELECT ${table.columns.map((c) => q(c.name)).join(', ')} FROM ${q(table.name)} WHERE ${q(pk.name)} = ${placeholder(client.dialect, 1)}`,
        [idOf(client, pk, request.params.id)],
      );
      const row = rows[0];
      if (!row) throw notFound('Row not found');
      const convert = rowConvert(client, table.columns);
      return convert ? convert(row) : row;
    },
  }),
  systemOperation({
    name: 'backend.connection.database.updateRow',
    method: 'PUT',
    path: `${base}/:table_name/rows/:id`,
    incoming: { type: 'object' },
    description: 'Updates an existing row at a table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      const pk = primaryKey(table);
      const id = idOf(client, pk, request.params.id);
      const { columns, values } = rowValues(client, table, rowBody(request.body));
      if (columns.length === 0) throw badRequest('Request body contains no property to update');
      const q = (name: string) => quoteIdentifier(client.dialect, name);
      const set = columns.map((c, i) => `${q(c.name)} = ${placeholder(client.dialect, i + 1)}`).join(', ');
      const result = await client.run(
        `UPDATE ${q(table.name)} SET ${set} WHERE ${q(pk.name)} = ${placeholder(client.dialect, columns.length + 1)}`,
        [...values, id],
      );
      if (result.changes === 0) throw notFound('Row not found');
      return message('Row successfully updated', String(id));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.deleteRow',
    method: 'DELETE',
    path: `${base}/:table_name/rows/:id`,
    description: 'Deletes an existing row at a table on a database',
    async handler({ platform, request }) {
      const client = await clientOf(platform, request.params.connection_id);
      const table = await tableOf(client, request.params.table_name);
      const pk = primaryKey(table);
      const id = idOf(client, pk, request.params.id);
      const q = (name: string) => quoteIdentifier(client.dialect, name);
      const result = await client.run(
        `DELETE FROM ${q(table.name)} WHERE ${q(pk.name)} = ${placeholder(client.dialect, 1)}`,
        [id],
      );
      if (result.changes === 0) throw notFound('Row not found');
      return message('Row successfully deleted', String(id));
    },
  }),
];
