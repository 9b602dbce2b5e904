import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import SQLite from '../../src/db/sqlite-driver.js';
import type { TestDatabase } from './databases.js';
import { requireService } from './services.js';

/**
 * A "legacy app's" database for the SQL door: a uniquely named PostgreSQL or MariaDB database, or a
 * SQLite file, that Portico reaches through a SQL connection, plus a direct line to it so tests can
 * check what really happened to the data.
 */
export type LegacyKind = 'sqlite' | 'postgres' | 'mysql';

export interface LegacyDatabase {
  readonly kind: LegacyKind;
  /** config of a `Fusio.Adapter.Sql.Connection.Sql` connection to this database */
  readonly sqlConfig: Record<string, string | number>;
  /** the same database as a `Fusio.Adapter.Sql.Connection.SqlAdvanced` URL */
  readonly url: string;
  /** runs SQL directly (positional `?` parameters on every kind) and returns the rows */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** drops the database (or deletes the file) */
  close(): Promise<void>;
}

const postgresAdmin = process.env.PORTICO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const mysqlAdmin = process.env.PORTICO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export function uniqueName(prefix = 'portico_legacy'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

function hostPort(url: string, fallback: number): [string, number] {
  const u = new URL(url);
  return [u.hostname, Number(u.port || fallback)];
}

/** The legacy database kinds to test: SQLite always, PostgreSQL and MariaDB when their services run. */
export async function legacyKinds(): Promise<LegacyKind[]> {
  const out: LegacyKind[] = ['sqlite'];
  if (await requireService('PostgreSQL', ...hostPort(postgresAdmin, 5432))) out.push('postgres');
  if (await requireService('MariaDB', ...hostPort(mysqlAdmin, 3306))) out.push('mysql');
  return out;
}

/** `?` placeholders → `$n` for PostgreSQL. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export async function createLegacyDatabase(kind: LegacyKind): Promise<LegacyDatabase> {
  const name = uniqueName();
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-legacy-'));
    const file = path.join(dir, `${name}.db`);
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    return {
      kind,
      sqlConfig: { type: 'pdo_sqlite', database: file },
      url: `sqlite:${file}`,
      async query<T>(sql: string, params: unknown[] = []) {
        const stmt = db.prepare(sql);
        if (stmt.reader) return stmt.all(...params) as T[];
        stmt.run(...params);
        return [];
      },
      async close() {
        db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: postgresAdmin });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgresAdmin);
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => {});
    return {
      kind,
      sqlConfig: {
        type: 'pdo_pgsql',
        host: url.hostname,
        port: Number(url.port || 5432),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: name,
      },
      url: url.toString(),
      async query<T>(sql: string, params: unknown[] = []) {
        return (await pool.query(numbered(sql), params)).rows as T[];
      },
      async close() {
        await pool.end();
        const c = new pg.Client({ connectionString: postgresAdmin });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection(mysqlAdmin);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(mysqlAdmin);
  url.pathname = `/${name}`;
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 2, dateStrings: true, charset: 'utf8mb4' });
  return {
    kind,
    sqlConfig: {
      type: 'pdo_mysql',
      host: url.hostname,
      port: Number(url.port || 3306),
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: name,
    },
    url: url.toString(),
    async query<T>(sql: string, params: unknown[] = []) {
      const [rows] = await pool.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    async close() {
      await pool.end();
      const c = await mysql.createConnection(mysqlAdmin);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** An in-memory SQLite system database: these stories are about the legacy database, not Portico's own. */
export const sqliteSystem: TestDatabase = {
  kind: 'sqlite',
  async create() {
    return { url: 'sqlite::memory:', drop: async () => {} };
  },
};

/**
 * A TCP proxy in front of a database server that a test can take down and bring back, to play a
 * database outage without touching the shared server.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** connections the proxy carries right now (client side) */
  get openConnections(): number {
    return this.clients.size;
  }

  async start(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      this.clients.add(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        this.clients.delete(client);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
    return this.port;
  }

  /** refuses new connections and cuts the open ones, as a crashed database server would */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.clients.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
