import { createHash } from 'node:crypto';
import { createPool as createMysqlPool, type Pool as MysqlPool } from 'mysql2/promise';
import type { BetterSqlite3 } from '../db/sqlite-driver.js';
import SQLite from '../db/sqlite-driver.js';

type ExecuteValues = Parameters<MysqlPool['execute']>[1] extends infer V
  ? V extends readonly (infer E)[]
    ? E
    : never
  : never;

import pg from 'pg';
import type { SqlDialect } from './dialect.js';
import { isSchemaDrift, mapSqlError } from './errors.js';
import { exactNumber } from './numbers.js';

export type SqlRow = Record<string, unknown>;

/** A statement built once and run many times; on PostgreSQL it is prepared once per pooled connection. */
export interface SqlStatement {
  readonly text: string;
  /** the name of the server-side prepared statement (PostgreSQL) */
  readonly name?: string | undefined;
}

export interface SqlRunResult {
  /** rows the statement changed (for UPDATE: rows it matched) */
  readonly changes: number;
  /** the generated key of an INSERT: lastInsertId, or the first column of a RETURNING row */
  readonly insertId: number | string | null;
}

const sqlClientBrand: unique symbol = Symbol.for('portico.sql-client');

/**
 * The live client of a SQL connection: a pool for PostgreSQL and MySQL/MariaDB, one handle for SQLite.
 * Errors come out already mapped to the status a caller should see (409, 400, 503, 504).
 */
export interface SqlClient {
  readonly [sqlClientBrand]: true;
  readonly dialect: SqlDialect;
  /** cached table metadata of this client, owned by sql/table.ts; cleared on schema drift */
  readonly tables: Map<string, unknown>;
  all(statement: string | SqlStatement, params?: readonly unknown[]): Promise<SqlRow[]>;
  run(statement: string | SqlStatement, params?: readonly unknown[]): Promise<SqlRunResult>;
  /** runs statements without parameters (DDL) in one transaction where the dialect allows it */
  batch(statements: readonly string[]): Promise<void>;
  /** proves the database answers; throws the driver's own message (for "test connection") */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function isSqlClient(value: unknown): value is SqlClient {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[sqlClientBrand] === true;
}

/**
 * A statement whose PostgreSQL prepared-statement name is derived from its text (so names never clash);
 * a new salt (per built plan) gives fresh names after the table changed under a prepared statement.
 */
export function statement(text: string, salt = ''): SqlStatement {
  return { text, name: `portico_${createHash('sha1').update(salt).update(text).digest('hex')}` };
}

export type SqlClientOptions =
  | {
      dialect: 'postgres';
      host?: string | undefined;
      port?: number | undefined;
      user?: string | undefined;
      password?: string | undefined;
      database?: string | undefined;
      connectionString?: string | undefined;
    }
  | {
      dialect: 'mysql';
      host?: string | undefined;
      port?: number | undefined;
      user?: string | undefined;
      password?: string | undefined;
      database?: string | undefined;
      uri?: string | undefined;
    }
  | { dialect: 'sqlite'; file: string };

export interface PoolSettings {
  /** connections per pool (PostgreSQL, MySQL) */
  max: number;
  connectTimeoutMs: number;
  /** a query that takes longer fails with 504 */
  queryTimeoutMs: number;
}

const defaultPool: PoolSettings = { max: 10, connectTimeoutMs: 5000, queryTimeoutMs: 30_000 };

export function createSqlClient(options: SqlClientOptions, settings: Partial<PoolSettings> = {}): SqlClient {
  const pool = { ...defaultPool, ...settings };
  if (options.dialect === 'postgres') return new PostgresClient(options, pool);
  if (options.dialect === 'mysql') return new MysqlClient(options, pool);
  return new SqliteClient(options.file);
}

function text(s: string | SqlStatement): string {
  return typeof s === 'string' ? s : s.text;
}

abstract class BaseClient {
  readonly [sqlClientBrand] = true as const;
  readonly tables = new Map<string, unknown>();
  abstract readonly dialect: SqlDialect;

  protected fail(error: unknown): never {
    // a table or column the cached metadata promised is gone: introspect again next time
    if (isSchemaDrift(error)) this.tables.clear();
    throw mapSqlError(error, this.dialect);
  }
}

/** A naive timestamp is read as UTC and shown in RFC 3339. */
function naiveTimestampToIso(value: string): string {
  const match = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(value);
  return match ? `${match[1]}T${match[2]}Z` : value;
}

const pgByteaParser = pg.types.getTypeParser(17);

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case 20: // int8
      case 1700: // numeric
        return (v: string) => exactNumber(v);
      case 1082: // date: keep the calendar date, never shift it through a local Date
        return (v: string) => v;
      case 1114: // timestamp
        return (v: string) => naiveTimestampToIso(v);
      case 1184: {
        // timestamptz
        return (v: string) => {
          const d = new Date(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
          return Number.isNaN(d.getTime()) ? v : d.toISOString();
        };
      }
      case 17: // bytea as base64, as Fusio shows binary columns
        return (v: string) => (pgByteaParser(v) as Buffer).toString('base64');
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

class PostgresClient extends BaseClient {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(options: Extract<SqlClientOptions, { dialect: 'postgres' }>, settings: PoolSettings) {
    super();
    this.pool = new pg.Pool({
      ...(options.connectionString
        ? { connectionString: options.connectionString }
        : {
            host: options.host,
            port: options.port,
            user: options.user,
            password: options.password,
            database: options.database,
          }),
      max: settings.max,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      query_timeout: settings.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      types: pgTypes,
      application_name: 'portico',
    });
    // an idle client that loses its server must not crash the process; the next query reconnects
    this.pool.on('error', () => {});
    // a checked-out client that loses its server emits on itself: without a listener that ends the process
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** prepared statements that went stale on some connections get a new name (see `query`) */
  private readonly renamed = new Map<string, string>();

  private nameOf(s: string | SqlStatement): string | undefined {
    if (typeof s === 'string' || !s.name) return undefined;
    return this.renamed.size === 0 ? s.name : (this.renamed.get(s.name) ?? s.name);
  }

  private async query(
    s: string | SqlStatement,
    params: readonly unknown[],
    rowMode?: 'array',
  ): Promise<pg.QueryResult> {
    const name = this.nameOf(s);
    const config = {
      text: text(s),
      values: params as unknown[],
      ...(name ? { name } : {}),
      ...(rowMode ? { rowMode } : {}),
    };
    try {
      return await this.pool.query(config);
    } catch (error) {
      // "cached plan must not change result type": the table changed under a prepared statement,
      // which stays broken on that connection; a fresh name prepares it anew
      if (name && typeof s !== 'string' && s.name && (error as { code?: string }).code === '0A000') {
        const fresh = `${s.name.slice(0, 50)}_${(this.renamed.size + 1).toString(36)}`;
        this.renamed.set(s.name, fresh);
        return this.pool.query({ ...config, name: fresh });
      }
      throw error;
    }
  }

  async all(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRow[]> {
    try {
      return (await this.query(s, params)).rows as SqlRow[];
    } catch (error) {
      this.fail(error);
    }
  }

  async run(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRunResult> {
    try {
      const result = await this.query(s, params, 'array');
      const first = (result.rows[0] as unknown[] | undefined)?.[0];
      return {
        changes: result.rowCount ?? 0,
        insertId: typeof first === 'number' || typeof first === 'string' ? first : null,
      };
    } catch (error) {
      this.fail(error);
    }
  }

  async batch(statements: readonly string[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.fail(error);
    }
    try {
      await client.query('BEGIN');
      for (const sql of statements) await client.query(sql);
      await client.query('COMMIT');
      this.tables.clear();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      this.fail(error);
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class MysqlClient extends BaseClient {
  readonly dialect = 'mysql' as const;
  private readonly pool: MysqlPool;

  constructor(options: Extract<SqlClientOptions, { dialect: 'mysql' }>, settings: PoolSettings) {
    super();
    const common = {
      connectionLimit: settings.max,
      connectTimeout: settings.connectTimeoutMs,
      enableKeepAlive: true,
      waitForConnections: true,
      // DATE/DATETIME as written, never shifted through a local Date
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
      charset: 'utf8mb4',
      multipleStatements: false,
    } as const;
    this.pool = options.uri
      ? createMysqlPool({ uri: options.uri, ...common })
      : createMysqlPool({
          host: options.host,
          port: options.port,
          user: options.user,
          password: options.password,
          database: options.database,
          ...common,
        });
    this.queryTimeoutMs = settings.queryTimeoutMs;
    this.pool.pool.on('connection', (conn) => conn.on('error', () => {}));
  }

  private readonly queryTimeoutMs: number;

  async all(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRow[]> {
    try {
      const [rows] = await this.pool.execute({ sql: text(s), timeout: this.queryTimeoutMs }, mysqlParams(params));
      return rows as SqlRow[];
    } catch (error) {
      this.fail(error);
    }
  }

  async run(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRunResult> {
    try {
      const [result] = await this.pool.execute({ sql: text(s), timeout: this.queryTimeoutMs }, mysqlParams(params));
      const header = result as { affectedRows?: number; insertId?: number | string };
      const insertId = header.insertId;
      return {
        changes: header.affectedRows ?? 0,
        insertId: insertId === undefined || insertId === 0 ? null : insertId,
      };
    } catch (error) {
      this.fail(error);
    }
  }

  async batch(statements: readonly string[]): Promise<void> {
    // MySQL commits DDL implicitly: statements run one by one on one connection
    let conn: Awaited<ReturnType<MysqlPool['getConnection']>>;
    try {
      conn = await this.pool.getConnection();
    } catch (error) {
      this.fail(error);
    }
    try {
      for (const sql of statements) await conn.query(sql);
      this.tables.clear();
    } catch (error) {
      this.tables.clear();
      this.fail(error);
    } finally {
      conn.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class SqliteClient extends BaseClient {
  readonly dialect = 'sqlite' as const;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(file: string) {
    super();
    // a legacy app's database must exist; Portico never creates an empty one by accident
    this.db = new SQLite(file, { fileMustExist: file !== ':memory:' });
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async all(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRow[]> {
    try {
      const stmt = this.prepare(text(s));
      if (!stmt.reader) {
        stmt.run(...sqliteParams(params));
        return [];
      }
      return stmt.all(...sqliteParams(params)) as SqlRow[];
    } catch (error) {
      this.statements.delete(text(s));
      this.fail(error);
    }
  }

  async run(s: string | SqlStatement, params: readonly unknown[] = []): Promise<SqlRunResult> {
    try {
      const result = this.prepare(text(s)).run(...sqliteParams(params));
      const id = result.lastInsertRowid;
      return { changes: result.changes, insertId: typeof id === 'bigint' ? exactNumber(id.toString()) : id };
    } catch (error) {
      this.statements.delete(text(s));
      this.fail(error);
    }
  }

  async batch(statements: readonly string[]): Promise<void> {
    try {
      this.db.transaction(() => {
        for (const sql of statements) this.db.exec(sql);
      })();
      this.statements.clear();
      this.tables.clear();
    } catch (error) {
      this.fail(error);
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.db.close();
  }
}

/** better-sqlite3 binds numbers, strings, bigints, Buffers and null only. */
function sqliteParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => {
    if (p === undefined) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    if (p !== null && typeof p === 'object' && !Buffer.isBuffer(p)) return JSON.stringify(p);
    return p;
  });
}

/** mysql2 refuses undefined; booleans and JSON values are sent the way MySQL stores them. */
function mysqlParams(params: readonly unknown[]): ExecuteValues[] {
  return params.map((p) => {
    if (p === undefined) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p !== null && typeof p === 'object' && !Buffer.isBuffer(p) && !(p instanceof Date)) return JSON.stringify(p);
    return p as ExecuteValues;
  });
}
