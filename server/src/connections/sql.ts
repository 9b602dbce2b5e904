import { defineConnectionType } from '../plugins/connection.js';
import { createSqlClient, type SqlClient, type SqlClientOptions } from '../sql/client.js';

export const sqlConnectionClass = 'Fusio.Adapter.Sql.Connection.Sql';
export const sqlAdvancedConnectionClass = 'Fusio.Adapter.Sql.Connection.SqlAdvanced';
/** the connection classes SQL actions, database browsing and the generator accept */
export const sqlConnectionClasses = [sqlConnectionClass, sqlAdvancedConnectionClass];

interface SqlConfig {
  type: 'pdo_mysql' | 'pdo_pgsql' | 'pdo_sqlite';
  host?: string;
  port?: number | string;
  username?: string;
  password?: string;
  database: string;
}

interface SqlAdvancedConfig {
  url: string;
}

export function optionsFromFields(config: SqlConfig): SqlClientOptions {
  if (config.type === 'pdo_sqlite') return { dialect: 'sqlite', file: config.database };
  const port = config.port === undefined || config.port === '' ? undefined : Number(config.port);
  const common = {
    host: config.host,
    port,
    user: config.username,
    password: config.password,
    database: config.database,
  };
  return config.type === 'pdo_pgsql' ? { dialect: 'postgres', ...common } : { dialect: 'mysql', ...common };
}

/**
 * `postgres://…`, `postgresql://…`, `mysql://…`, `mariadb://…` (and Doctrine's `pdo-pgsql://`,
 * `pdo-mysql://`), `sqlite:PATH` or `sqlite:///absolute/path`. Errors never repeat the URL: it holds a password.
 */
export function optionsFromUrl(url: string): SqlClientOptions {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'pdo-sqlite' || scheme === 'sqlite3') {
    let file = url.slice(scheme.length + 1);
    if (file.startsWith('//')) file = file.slice(2);
    if (file === '') throw new Error('The SQLite URL needs a file path, e.g. sqlite:/var/data/app.db');
    return { dialect: 'sqlite', file: decodeURIComponent(file) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('The URL is not valid, e.g. postgres://user:password@host:5432/database');
  }
  if (scheme === 'postgres' || scheme === 'postgresql' || scheme === 'pdo-pgsql' || scheme === 'pgsql') {
    parsed.protocol = 'postgres:';
    return { dialect: 'postgres', connectionString: parsed.toString() };
  }
  if (scheme === 'mysql' || scheme === 'mariadb' || scheme === 'pdo-mysql' || scheme === 'mysql2') {
    return {
      dialect: 'mysql',
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : undefined,
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    };
  }
  throw new Error('The URL must start with postgres://, mysql://, mariadb:// or sqlite:');
}

async function ping(client: SqlClient): Promise<void> {
  await client.ping();
}

async function close(client: SqlClient): Promise<void> {
  await client.close();
}

/** Fusio's SQL connection: driver, host, credentials and database (for SQLite the database is the file path). */
export const sqlConnection = defineConnectionType<SqlConfig, SqlClient>({
  class: sqlConnectionClass,
  name: 'SQL',
  description: 'A PostgreSQL, MySQL/MariaDB or SQLite database',
  config: {
    type: 'object',
    properties: {
      type: {
        type: 'string',
        enum: ['pdo_mysql', 'pdo_pgsql', 'pdo_sqlite'],
        'x-labels': { pdo_mysql: 'MySQL / MariaDB', pdo_pgsql: 'PostgreSQL', pdo_sqlite: 'SQLite' },
        title: 'Type',
        description: 'The driver which is used to connect to the database',
      },
      host: { type: 'string', title: 'Host', description: 'The IP or hostname of the database server' },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        title: 'Port',
        description: 'The port of the database server (default: the driver default)',
      },
      username: { type: 'string', title: 'Username', description: 'The name of the database user' },
      password: {
        type: 'string',
        title: 'Password',
        description: 'The password of the database user',
        'x-secret': true,
      },
      database: {
        type: 'string',
        minLength: 1,
        title: 'Database',
        description: 'The name of the database which is used upon connection; for SQLite the path of the file',
      },
    },
    required: ['type', 'database'],
    if: { properties: { type: { const: 'pdo_sqlite' } } },
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a promise
    then: {},
    else: { required: ['host'] },
  },
  async connect(config) {
    return createSqlClient(optionsFromFields(config));
  },
  ping,
  close,
});

/** Fusio's SQL-Advanced connection: one URL with every connection detail. */
export const sqlAdvancedConnection = defineConnectionType<SqlAdvancedConfig, SqlClient>({
  class: sqlAdvancedConnectionClass,
  name: 'SQL-Advanced',
  description: 'A database given by URL: postgres://…, mysql://… (also MariaDB) or sqlite:PATH',
  config: {
    type: 'object',
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        title: 'URL',
        description: 'Uses a specific URL which contains all database connection information',
        // the URL carries the password
        'x-secret': true,
      },
    },
    required: ['url'],
  },
  async connect(config) {
    return createSqlClient(optionsFromUrl(config.url));
  },
  ping,
  close,
});
