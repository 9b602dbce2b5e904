import path from 'node:path';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { createPool as createMysqlPool, type Pool as MysqlPool } from 'mysql2';
import pg from 'pg';
import { makeFolder } from '../folders.js';
import type { Database } from './schema.js';
import type { BetterSqlite3 } from './sqlite-driver.js';
import SQLite from './sqlite-driver.js';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

/** The driver under Kysely, for the few bulk writes where building SQL per batch would cost too much. */
export type RawDriver =
  | { dialect: 'sqlite'; sqlite: BetterSqlite3.Database }
  | { dialect: 'postgres'; pool: pg.Pool }
  | { dialect: 'mysql'; pool: MysqlPool };

export interface SystemDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  raw: RawDriver;
  /** a short description without credentials, safe for logs */
  describe: string;
  close(): Promise<void>;
}

export function dialectOf(url: string): DialectName {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:/.test(url)) return 'postgres';
  if (/^(mysql|mariadb):/.test(url)) return 'mysql';
  throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]}`);
}

/** bigint columns hold epoch milliseconds and counters: well inside Number's exact range */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 /* int8 */ || oid === 1700 /* numeric */) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * SQLite transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another connection committed in
 * between — the request log's writer thread does, on every batch, as do other workers and nodes on the
 * same file. One that takes the lock first waits for it (busy_timeout) and sees the latest rows. On the one
 * connection Kysely keeps, transactions already run one at a time, so nothing is lost by it.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export interface OpenOptions {
  /** maximum pool size for PostgreSQL and MySQL */
  poolSize?: number;
}

export function openDatabase(url: string, options: OpenOptions = {}): SystemDatabase {
  const dialect = dialectOf(url);
  const poolSize = options.poolSize ?? 10;
  if (dialect === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') makeFolder(path.dirname(file));
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    return { db, dialect, raw: { dialect, sqlite }, describe: `sqlite:${file}`, close: () => db.destroy() };
  }
  const parsed = new URL(url);
  const describe = `${parsed.protocol}//${parsed.hostname}:${parsed.port || 'default'}${parsed.pathname}`;
  if (dialect === 'postgres') {
    // an unreachable server fails a request within seconds instead of leaving it waiting for TCP to give up
    const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes, connectionTimeoutMillis: 5_000 });
    // a client that loses its server must not crash the process: idle ones report to the pool, and a
    // checked-out one (between the queries of a transaction) emits on itself; its queries fail anyway
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect, raw: { dialect, pool }, describe, close: () => db.destroy() };
  }
  const pool = createMysqlPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: poolSize,
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  pool.on('connection', (conn) => conn.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
  return { db, dialect, raw: { dialect, pool }, describe, close: () => db.destroy() };
}
