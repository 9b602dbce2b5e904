import type { Kysely } from 'kysely';
import type { ConnectionManager } from '../connections/manager.js';
import { sqlConnectionClasses } from '../connections/sql.js';
import { type Database, Status } from '../db/schema.js';
import { badRequest, notFound } from '../errors.js';
import type { HttpMethod } from '../gateway/types.js';
import type { JsonSchema } from '../plugins/action.js';
import { isSqlClient, type SqlClient } from '../sql/client.js';
import { isSafeName } from '../sql/dialect.js';
import { type ColumnInfo, describeTable, listTables, singlePrimaryKey, type TableInfo } from '../sql/table.js';

/** What a generator provider reads: the stored connections and their live clients. */
export interface GeneratorDeps {
  readonly db: Kysely<Database>;
  readonly connections: Pick<ConnectionManager, 'get'>;
}

/** What a provider proposes; names are unprefixed (the base path of a run prefixes them). */
export interface GeneratorChangelog {
  schemas: { name: string; source: Record<string, unknown> }[];
  actions: { name: string; class: string; config: Record<string, unknown> }[];
  operations: {
    name: string;
    description: string;
    httpMethod: HttpMethod;
    httpPath: string;
    httpCode: number;
    incoming?: string;
    outgoing?: string;
    action: string;
  }[];
}

/** A generator provider (Fusio's ProviderInterface): a config form and the entities it would create. */
export interface GeneratorProvider {
  readonly class: string;
  readonly name: string;
  readonly config: JsonSchema;
  setup(config: Record<string, unknown>, platform: GeneratorDeps): Promise<GeneratorChangelog>;
}

/**
 * Fusio's SQL generator providers: one table (SQL-Table) or every table (SQL-Database) of a SQL
 * connection becomes an entity and a collection schema, five actions (select all, select row, insert,
 * update, delete) and the five CRUD operations. Names follow Fusio (SQL_GetAll, SQL_Get, SQL_Insert, …);
 * the generator API prefixes them with the base path.
 */

const connectionField = {
  type: ['string', 'integer'],
  title: 'Connection',
  description: 'The SQL connection which should be used',
  'x-form': 'connection',
  'x-connection-classes': sqlConnectionClasses,
};

interface Resolved {
  name: string;
  client: SqlClient;
}

async function connectionOf(platform: GeneratorDeps, raw: unknown): Promise<Resolved> {
  if ((typeof raw !== 'string' && typeof raw !== 'number') || raw === '') throw badRequest('No connection provided');
  const text = String(raw);
  let query = platform.db.selectFrom('connections').select(['id', 'name', 'class']).where('status', '=', Status.active);
  query = /^\d+$/.test(text) ? query.where('id', '=', Number(text)) : query.where('name', '=', text.replace(/^~/, ''));
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find connection');
  if (!sqlConnectionClasses.includes(row.class)) throw badRequest('Invalid selected connection');
  const client = await platform.connections.get(row.id);
  if (!isSqlClient(client)) throw badRequest('Invalid selected connection');
  return { name: row.name, client };
}

/** JSON Schema of one column's value; nullable columns also take null. */
function propertySchema(column: ColumnInfo): Record<string, unknown> {
  let schema: Record<string, unknown>;
  switch (column.kind) {
    case 'integer':
      schema = { type: 'integer' };
      break;
    case 'number':
    case 'decimal':
      schema = { type: 'number' };
      break;
    case 'boolean':
      schema = { type: 'boolean' };
      break;
    case 'string':
      schema = column.length !== null ? { type: 'string', maxLength: column.length } : { type: 'string' };
      break;
    case 'date':
      schema = { type: 'string', format: 'date' };
      break;
    case 'datetime':
      schema = { type: 'string', format: 'date-time' };
      break;
    case 'time':
      schema = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?$' };
      break;
    case 'uuid':
      schema = { type: 'string', format: 'uuid' };
      break;
    case 'binary':
      schema = { type: 'string', contentEncoding: 'base64' };
      break;
    default:
      schema = {};
  }
  if (!column.notNull && typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  if (column.comment) schema.description = column.comment;
  return schema;
}

/** `app_news` → `App_News`, as Fusio names the entity type; `legacy.servers` → `Legacy_Servers`. */
export function entityName(table: string): string {
  return table
    .split(/[_.]/)
    .map((part) => (part ? part[0]?.toUpperCase() + part.slice(1) : part))
    .join('_');
}

function generateForTable(connection: string, table: TableInfo, name?: string): GeneratorChangelog {
  const pk = singlePrimaryKey(table);
  if (typeof pk === 'string') throw badRequest(pk);
  const basePath = name ? `/${name}` : '';
  // Fusio: ucfirst of the table name, so app_news gives App_news_SQL_Get
  const prefix = name ? `${name.charAt(0).toUpperCase()}${name.slice(1)}_` : '';
  const operationPrefix = name ? `${name}.` : '';
  const entity = entityName(table.name);
  const schemaGetAll = `${prefix}SQL_GetAll`;
  const schemaGet = `${prefix}SQL_Get`;
  const config = { connection, table: table.name };
  return {
    schemas: [
      {
        name: schemaGetAll,
        source: {
          type: 'object',
          title: `${entity}_Collection`,
          properties: {
            totalResults: { type: 'integer' },
            itemsPerPage: { type: 'integer' },
            startIndex: { type: 'integer' },
            entry: { type: 'array', items: { $ref: schemaGet } },
          },
        },
      },
      {
        name: schemaGet,
        source: {
          type: 'object',
          title: entity,
          properties: Object.fromEntries(table.columns.map((c) => [c.name, propertySchema(c)])),
        },
      },
    ],
    actions: [
      { name: `${prefix}SQL_GetAll`, class: 'Fusio.Adapter.Sql.Action.SqlSelectAll', config },
      { name: `${prefix}SQL_Get`, class: 'Fusio.Adapter.Sql.Action.SqlSelectRow', config },
      { name: `${prefix}SQL_Insert`, class: 'Fusio.Adapter.Sql.Action.SqlInsert', config },
      { name: `${prefix}SQL_Update`, class: 'Fusio.Adapter.Sql.Action.SqlUpdate', config },
      { name: `${prefix}SQL_Delete`, class: 'Fusio.Adapter.Sql.Action.SqlDelete', config },
    ],
    operations: [
      {
        name: `${operationPrefix}getAll`,
        description: 'Returns a collection of rows',
        httpMethod: 'GET',
        httpPath: `${basePath}/`,
        httpCode: 200,
        outgoing: schemaGetAll,
        action: `${prefix}SQL_GetAll`,
      },
      {
        name: `${operationPrefix}get`,
        description: 'Returns a single row',
        httpMethod: 'GET',
        httpPath: `${basePath}/:id`,
        httpCode: 200,
        outgoing: schemaGet,
        action: `${prefix}SQL_Get`,
      },
      {
        name: `${operationPrefix}create`,
        description: 'Creates a new row',
        httpMethod: 'POST',
        httpPath: `${basePath}/`,
        httpCode: 201,
        incoming: schemaGet,
        action: `${prefix}SQL_Insert`,
      },
      {
        name: `${operationPrefix}update`,
        description: 'Updates an existing row',
        httpMethod: 'PUT',
        httpPath: `${basePath}/:id`,
        httpCode: 200,
        incoming: schemaGet,
        action: `${prefix}SQL_Update`,
      },
      {
        name: `${operationPrefix}delete`,
        description: 'Deletes an existing row',
        httpMethod: 'DELETE',
        httpPath: `${basePath}/:id`,
        httpCode: 200,
        action: `${prefix}SQL_Delete`,
      },
    ],
  };
}

export const sqlTableProvider: GeneratorProvider = {
  class: 'Fusio.Adapter.Sql.Generator.SqlTable',
  name: 'SQL-Table',
  config: {
    type: 'object',
    properties: {
      connection: connectionField,
      table: { type: 'string', title: 'Table', description: 'Name of the database table' },
    },
    required: ['connection', 'table'],
  },
  async setup(config, platform) {
    const { name, client } = await connectionOf(platform, config.connection);
    if (typeof config.table !== 'string' || config.table === '') throw badRequest('No table provided');
    const table = await describeTable(client, config.table);
    if (!table) throw badRequest('Provided table does not exist');
    return generateForTable(name, table);
  },
};

/** The `tables` of the SQL-Database provider: a list of names, or absent (every table). */
function chosenTables(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string' || t === '')) {
    throw badRequest('Tables must be a list of table names');
  }
  if (raw.length === 0) throw badRequest('Choose at least one table');
  return [...new Set(raw as string[])];
}

export const sqlDatabaseProvider: GeneratorProvider = {
  class: 'Fusio.Adapter.Sql.Generator.SqlDatabase',
  name: 'SQL-Database',
  config: {
    type: 'object',
    properties: {
      connection: connectionField,
      tables: {
        type: 'array',
        items: { type: 'string' },
        title: 'Tables',
        description: 'Only these tables (default: every table with a single-column primary key)',
      },
    },
    required: ['connection'],
  },
  async setup(config, platform) {
    const { name, client } = await connectionOf(platform, config.connection);
    const chosen = chosenTables(config.tables);
    const out: GeneratorChangelog = { schemas: [], actions: [], operations: [] };
    const existing = await listTables(client);
    for (const wanted of chosen ?? []) {
      if (!existing.includes(wanted)) throw badRequest(`Table "${wanted}" does not exist`);
    }
    for (const tableName of chosen ?? existing) {
      // a table whose name cannot be part of a path and names, or without a single key, is left out
      // unless it was asked for by name: then the answer says why it cannot be
      if (!isSafeName(tableName)) {
        if (chosen) throw badRequest(`Table "${tableName}" has a name that cannot be part of a path`);
        continue;
      }
      const table = await describeTable(client, tableName);
      const pk = table ? singlePrimaryKey(table) : `Table ${tableName} does not exist`;
      if (typeof pk === 'string' || !table) {
        if (chosen && typeof pk === 'string') throw badRequest(pk);
        continue;
      }
      const part = generateForTable(name, table, tableName);
      out.schemas.push(...part.schemas);
      out.actions.push(...part.actions);
      out.operations.push(...part.operations);
    }
    return out;
  },
};
