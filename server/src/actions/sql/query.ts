import { notFound, serviceUnavailable } from '../../errors.js';
import { queryInt } from '../../http/query.js';
import { type ActionContext, type ActionRequest, defineActionType, type JsonSchema } from '../../plugins/action.js';
import { isSqlClient, type SqlClient, type SqlStatement, statement } from '../../sql/client.js';
import { placeholder, type SqlDialect, trimStatement } from '../../sql/dialect.js';
import { bindParameters, type PreparedQuery, prepareQuery, QuerySyntaxError } from '../../sql/named-params.js';
import { plainRow } from '../../sql/values.js';
import { positiveInt } from './select-all.js';
import { connectionProperty } from './table-access.js';

interface QueryConfig {
  connection: string | number;
  sql: string;
  limit?: number | string;
}

const sqlProperty: JsonSchema = {
  type: 'string',
  minLength: 1,
  title: 'SQL',
  description:
    'The SQL to query the database; :name (or {name}) is bound from the path, the query or the body, :user_id and :user_name from the caller',
  'x-form': 'textarea',
  'x-mode': 'sql',
};

interface DialectQuery extends PreparedQuery {
  readonly main: SqlStatement;
  readonly count: SqlStatement;
  readonly page: SqlStatement;
}

/** The configured SQL, parsed once per dialect (the connection decides which). */
class ConfiguredQuery {
  private readonly byDialect = new Map<SqlDialect, DialectQuery>();

  constructor(
    private readonly config: QueryConfig,
    private readonly sql: string,
  ) {
    // unterminated quotes or comments are a config error the admin sees when saving the action
    prepareQuery(sql, 'postgres');
  }

  async client(context: ActionContext): Promise<SqlClient> {
    const client = await context.connections.get(this.config.connection);
    if (!isSqlClient(client))
      throw serviceUnavailable(`Connection "${this.config.connection}" is not a SQL connection`);
    return client;
  }

  prepared(dialect: SqlDialect): DialectQuery {
    const known = this.byDialect.get(dialect);
    if (known) return known;
    let parsed: PreparedQuery;
    try {
      parsed = prepareQuery(this.sql, dialect);
    } catch (error) {
      if (error instanceof QuerySyntaxError) throw serviceUnavailable(`Action config: ${error.message}`);
      throw error;
    }
    const next = parsed.parameters.length + 1;
    const built: DialectQuery = {
      ...parsed,
      main: statement(parsed.text),
      count: statement(`SELECT COUNT(*) AS n FROM (${parsed.text}) portico_query`),
      page: statement(`${parsed.text} LIMIT ${placeholder(dialect, next)} OFFSET ${placeholder(dialect, next + 1)}`),
    };
    this.byDialect.set(dialect, built);
    return built;
  }
}

/** A named parameter's value: the caller for user_id/user_name, else path, query, then body. */
function lookup(request: ActionRequest, context: ActionContext): (name: string) => unknown {
  const body =
    request.body && typeof request.body === 'object' && !Array.isArray(request.body) && !Buffer.isBuffer(request.body)
      ? (request.body as Record<string, unknown>)
      : undefined;
  return (name) => {
    // never taken from the request: a caller must not pose as someone else
    if (name === 'user_id') return context.user.anonymous ? null : context.user.id;
    if (name === 'user_name') return context.user.anonymous ? null : context.user.name;
    const fromPath = request.params[name];
    if (fromPath !== undefined) return fromPath;
    const fromQuery = request.query[name];
    if (fromQuery !== undefined) return Array.isArray(fromQuery) ? fromQuery[fromQuery.length - 1] : fromQuery;
    return body && Object.hasOwn(body, name) ? body[name] : undefined;
  };
}

function configuredSql(config: QueryConfig): string {
  const sql = trimStatement(config.sql ?? '');
  if (sql === '') throw new Error('Action config: property /sql must not be empty');
  return sql;
}

/** Runs configured SQL with named parameters and answers one page of its rows. */
export const sqlQueryAllAction = defineActionType<QueryConfig>({
  class: 'Fusio.Adapter.Sql.Action.Query.SqlQueryAll',
  name: 'SQL-Query-All',
  description: 'Runs a configured SQL query and returns a paginated collection of its rows',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty,
      sql: sqlProperty,
      limit: {
        type: 'integer',
        minimum: 1,
        title: 'Limit',
        description: 'The default limit of the result (default is 16)',
      },
    },
    required: ['connection', 'sql'],
  },
  create(config) {
    const limit = positiveInt(config.limit, 16, 1024);
    const query = new ConfiguredQuery(config, configuredSql(config));
    return async (request, context) => {
      const client = await query.client(context);
      const prepared = query.prepared(client.dialect);
      const params = bindParameters(prepared.parameters, lookup(request, context));
      const startIndex = Math.max(queryInt(request.query, 'startIndex') ?? 0, 0);
      const requested = queryInt(request.query, 'count');
      const count = requested !== undefined && requested >= 1 && requested <= limit ? requested : limit;
      const [counted, rows] = await Promise.all([
        client.all(prepared.count, params),
        client.all(prepared.page, [...params, count, startIndex]),
      ]);
      return {
        totalResults: Number(counted[0]?.n ?? 0),
        itemsPerPage: count,
        startIndex,
        entry: rows.map(plainRow),
      };
    };
  },
});

/** Runs configured SQL with named parameters and answers its first row; 404 when there is none. */
export const sqlQueryRowAction = defineActionType<QueryConfig>({
  class: 'Fusio.Adapter.Sql.Action.Query.SqlQueryRow',
  name: 'SQL-Query-Row',
  description: 'Runs a configured SQL query and returns its first row',
  config: {
    type: 'object',
    properties: { connection: connectionProperty, sql: sqlProperty },
    required: ['connection', 'sql'],
  },
  create(config) {
    const query = new ConfiguredQuery(config, configuredSql(config));
    return async (request, context) => {
      const client = await query.client(context);
      const prepared = query.prepared(client.dialect);
      const rows = await client.all(prepared.main, bindParameters(prepared.parameters, lookup(request, context)));
      const row = rows[0];
      if (row === undefined) throw notFound('Entry not found');
      return plainRow(row);
    };
  },
});
