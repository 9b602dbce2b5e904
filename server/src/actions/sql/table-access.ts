import { randomBytes } from 'node:crypto';
import { sqlConnectionClasses } from '../../connections/sql.js';
import { badRequest, PorticoError, serviceUnavailable } from '../../errors.js';
import type { ActionEnv, ActionRequest, ConnectionAccess, JsonSchema } from '../../plugins/action.js';
import { isSqlClient, type SqlClient, type SqlRow } from '../../sql/client.js';
import { quoteIdentifier, quoteTable, type SqlDialect } from '../../sql/dialect.js';
import { type ColumnInfo, loadTable, peekTable, singlePrimaryKey, type TableInfo } from '../../sql/table.js';
import { rowConverter, toColumnValue } from '../../sql/values.js';

/** Config properties every table action shares (Fusio's SqlActionAbstract). */
export const connectionProperty: JsonSchema = {
  type: ['string', 'integer'],
  title: 'Connection',
  description: 'The SQL connection which should be used',
  'x-form': 'connection',
  'x-connection-classes': sqlConnectionClasses,
};

export const tableProperties: Record<string, JsonSchema> = {
  connection: connectionProperty,
  table: { type: 'string', minLength: 1, title: 'Table', description: 'Name of the database table' },
  mapping: {
    type: 'object',
    additionalProperties: { type: 'string' },
    title: 'Mapping',
    description: 'Optional a column to property mapping',
  },
};

export interface TableActionConfig {
  connection: string | number;
  table: string;
  mapping?: Record<string, string>;
}

/** How long saving an action waits for its database before it saves without the table check. */
const checkTimeoutMs = 3000;

/**
 * When a table action is saved: its table must exist on its connection (`legacy.servers` in schema or
 * database `legacy`). A connection that does not answer within a few seconds does not block the save.
 */
export async function checkTableExists(config: TableActionConfig, env: ActionEnv): Promise<void> {
  const table = await withinTimeout(async () => {
    const client = await env.connections.get(config.connection);
    if (!isSqlClient(client)) throw badRequest(`Connection "${config.connection}" is not a SQL connection`);
    return loadTable(client, config.table, true);
  });
  if (table === null) {
    throw badRequest(`Table ${config.table} does not exist on connection "${config.connection}"`);
  }
}

/** The value, or undefined when the work failed for a reason other than a 400 or took too long. */
async function withinTimeout<T>(work: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), checkTimeoutMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    if (error instanceof PorticoError && error.status === 400) throw error;
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** What every plan knows about its table, built once per table metadata and client. */
export interface TablePlan {
  readonly client: SqlClient;
  readonly dialect: SqlDialect;
  readonly table: TableInfo;
  readonly quotedTable: string;
  /** a request property name → its column (the mapping applied) */
  readonly byProperty: ReadonlyMap<string, ColumnInfo>;
  /** a column → the property name clients see */
  readonly propertyOf: (column: ColumnInfo) => string;
  /** distinguishes prepared statement names of this plan from older ones */
  readonly salt: string;
}

/** `mapping` is column → property (Fusio also allows `property:type`); relation mappings are skipped. */
function propertyNames(table: TableInfo, mapping: Record<string, string> | undefined): Map<string, string> {
  const names = new Map<string, string>();
  for (const column of table.columns) {
    const mapped = mapping?.[column.name];
    const parts = mapped?.split(':') ?? [];
    names.set(column.name, mapped && parts.length <= 2 && parts[0] ? parts[0] : column.name);
  }
  return names;
}

/**
 * The table behind an action: resolves the connection's live client and the table's cached metadata,
 * and keeps the action's prepared plan until either changes. The first use after the action was
 * (re)built introspects the table afresh; a database that is down gives 503 and is tried again.
 */
export class TableAccess<P> {
  private current: (TablePlan & P) | undefined;
  private pending: { client: unknown; promise: Promise<TablePlan & P> } | undefined;
  private introspected = false;

  constructor(
    private readonly config: TableActionConfig,
    private readonly build: (base: TablePlan) => P,
  ) {}

  async plan(connections: ConnectionAccess): Promise<TablePlan & P> {
    const client = await connections.get(this.config.connection);
    const current = this.current;
    if (
      current !== undefined &&
      current.client === client &&
      peekTable(current.client, this.config.table) === current.table
    ) {
      return current;
    }
    if (this.pending && this.pending.client === client) return this.pending.promise;
    const promise = this.rebuild(client);
    const pending = { client, promise };
    this.pending = pending;
    promise.then(
      () => {
        if (this.pending === pending) this.pending = undefined;
      },
      () => {
        if (this.pending === pending) this.pending = undefined;
      },
    );
    return promise;
  }

  private async rebuild(client: unknown): Promise<TablePlan & P> {
    if (!isSqlClient(client))
      throw serviceUnavailable(`Connection "${this.config.connection}" is not a SQL connection`);
    const fresh = !this.introspected;
    const table = await loadTable(client, this.config.table, fresh);
    this.introspected = true;
    if (!table) throw serviceUnavailable(`Table ${this.config.table} does not exist on the connection`);
    const names = propertyNames(table, this.config.mapping);
    const byProperty = new Map<string, ColumnInfo>();
    for (const column of table.columns) byProperty.set(names.get(column.name) as string, column);
    const base: TablePlan = {
      client,
      dialect: client.dialect,
      table,
      quotedTable: quoteTable(client.dialect, table.name),
      byProperty,
      propertyOf: (column) => names.get(column.name) ?? column.name,
      salt: randomBytes(6).toString('hex'),
    };
    const plan = Object.assign(base, this.build(base));
    this.current = plan;
    return plan;
  }
}

/** `"col"` or `"col" AS "property"` for each column, and the converter of the rows it returns. */
export function selection(
  plan: TablePlan,
  columns: readonly ColumnInfo[],
): { list: string; convert: ((row: SqlRow) => SqlRow) | null } {
  const q = (name: string) => quoteIdentifier(plan.dialect, name);
  const list = columns
    .map((c) => {
      const property = plan.propertyOf(c);
      return property === c.name ? q(c.name) : `${q(c.name)} AS ${q(property)}`;
    })
    .join(', ');
  const convert = rowConverter(
    columns.map((column) => ({ key: plan.propertyOf(column), column })),
    plan.dialect,
  );
  return { list, convert };
}

/** The primary key a row action needs; a table without a single-column key cannot serve rows. */
export function primaryKeyOf(table: TableInfo): ColumnInfo {
  const pk = singlePrimaryKey(table);
  if (typeof pk === 'string') throw serviceUnavailable(pk);
  return pk;
}

/** The key column as an id is checked against it: an id is never null. */
export function idColumnOf(pk: ColumnInfo): ColumnInfo {
  return { ...pk, notNull: true };
}

/** The id of the row a request means: path `id`, the path parameter named like the key, or query `id`. */
export function requestedId(request: ActionRequest, idColumn: ColumnInfo, dialect: SqlDialect): unknown {
  const raw = request.params.id ?? request.params[idColumn.name] ?? request.query.id;
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined || value === '') throw badRequest('Id not available');
  return toColumnValue(idColumn, value, dialect, 'id');
}

/** The request body as an object of properties, or a 400. */
export function bodyObject(request: ActionRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw badRequest('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * Body properties → [column, bound value] pairs; unknown properties are a 400. Generated
 * (auto-increment) columns are left out, as Fusio does, so an entity can be sent back as it was read.
 */
export function columnValues(
  plan: TablePlan,
  body: Record<string, unknown>,
): { columns: ColumnInfo[]; values: unknown[] } {
  const columns: ColumnInfo[] = [];
  const values: unknown[] = [];
  for (const property of Object.keys(body)) {
    const column = plan.byProperty.get(property);
    if (!column) throw badRequest(`Property ${property} is not a column of this table`);
    if (column.autoIncrement) continue;
    columns.push(column);
    values.push(toColumnValue(column, body[property], plan.dialect, property));
  }
  return { columns, values };
}
