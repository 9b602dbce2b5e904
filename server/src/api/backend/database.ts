import type { BackendDatabaseTable } from 'fusio-sdk';
import { sqlConnectionClasses } from '../../connections/sql.js';
import { collection } from '../../db/listing.js';
import { badRequest } from '../../errors.js';
import { paging, queryString } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { isSqlClient } from '../../sql/client.js';
import { DatabaseBrowser, tableView } from '../../sql/database-browser.js';
import { message } from '../http.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';
import { connectionRef } from './connection.js';

/**
 * Browsing and editing the tables of a SQL connection, as fusio-sdk's BackendConnectionDatabaseTag
 * calls it. These change the connection's database, never the system database: there is no unit, and
 * the gateway writes the audit row once the change is made (sql/database-browser.ts does the work).
 */

const base = '/backend/connection/:connection_id/database';

/** The browser of the SQL connection in the path: an id, `~name`, or a plain name as Fusio allows. */
async function browserOf({ platform, request }: SystemCall): Promise<DatabaseBrowser> {
  const { id } = await platform.connectionConfigs.findOfClass(
    platform.db,
    connectionRef(request.params.connection_id),
    sqlConnectionClasses,
    'Provided an invalid connection',
  );
  const client = await platform.connections.get(id);
  if (!isSqlClient(client)) throw badRequest('Provided an invalid connection');
  return new DatabaseBrowser(client);
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
    async handler(call) {
      const page = paging(call.request.query);
      const { total, names } = await (await browserOf(call)).tables(page.startIndex, page.count);
      return collection(
        total,
        page,
        names.map((name) => ({ name })),
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
    async handler(call) {
      const name = await (await browserOf(call)).createTable(call.request.body as BackendDatabaseTable);
      return response(201, message('Table successfully created', name));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getTable',
    method: 'GET',
    path: `${base}/:table_name`,
    description: 'Returns the schema of a specific table on a database',
    async handler(call) {
      return tableView(await (await browserOf(call)).table(call.request.params.table_name));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.updateTable',
    method: 'PUT',
    path: `${base}/:table_name`,
    incoming: tableBody,
    description: 'Updates an existing table on a database',
    async handler(call) {
      const browser = await browserOf(call);
      const name = await browser.updateTable(call.request.params.table_name, call.request.body as BackendDatabaseTable);
      return message('Table successfully updated', name);
    },
  }),
  systemOperation({
    name: 'backend.connection.database.deleteTable',
    method: 'DELETE',
    path: `${base}/:table_name`,
    description: 'Deletes an existing table on a database',
    async handler(call) {
      const name = await (await browserOf(call)).deleteTable(call.request.params.table_name);
      return message('Table successfully deleted', name);
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getRows',
    method: 'GET',
    path: `${base}/:table_name/rows`,
    description: 'Returns paginated rows at a table on a database',
    async handler(call) {
      const { params, query } = call.request;
      return (await browserOf(call)).rows(params.table_name, query, queryString(query, 'columns'));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.createRow',
    method: 'POST',
    path: `${base}/:table_name/rows`,
    httpCode: 201,
    incoming: { type: 'object' },
    description: 'Creates a new row at a table on a database',
    async handler(call) {
      const id = await (await browserOf(call)).insertRow(call.request.params.table_name, call.request.body);
      return response(201, message('Row successfully created', id));
    },
  }),
  systemOperation({
    name: 'backend.connection.database.getRow',
    method: 'GET',
    path: `${base}/:table_name/rows/:id`,
    description: 'Returns a specific row at a table on a database',
    async handler(call) {
      const { params } = call.request;
      return (await browserOf(call)).row(params.table_name, params.id);
    },
  }),
  systemOperation({
    name: 'backend.connection.database.updateRow',
    method: 'PUT',
    path: `${base}/:table_name/rows/:id`,
    incoming: { type: 'object' },
    description: 'Updates an existing row at a table on a database',
    async handler(call) {
      const { params, body } = call.request;
      return message(
        'Row successfully updated',
        await (await browserOf(call)).updateRow(params.table_name, params.id, body),
      );
    },
  }),
  systemOperation({
    name: 'backend.connection.database.deleteRow',
    method: 'DELETE',
    path: `${base}/:table_name/rows/:id`,
    description: 'Deletes an existing row at a table on a database',
    async handler(call) {
      const { params } = call.request;
      return message('Row successfully deleted', await (await browserOf(call)).deleteRow(params.table_name, params.id));
    },
  }),
];
