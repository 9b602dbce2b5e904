import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { requireService } from './services.js';

export interface TestDatabase {
  readonly kind: 'sqlite' | 'postgres' | 'mysql';
  /** creates an empty database and returns its URL plus a function that drops it */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const postgresAdmin = process.env.PORTICO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const mysqlAdmin = process.env.PORTICO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

function uniqueName(): string {
  return `portico_t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

const sqlite: TestDatabase = {
  kind: 'sqlite',
  async create() {
    return { url: 'sqlite::memory:', drop: async () => {} };
  },
};

const postgres: TestDatabase = {
  kind: 'postgres',
  async create() {
    const name = uniqueName();
    const admin = new pg.Client({ connectionString: postgresAdmin });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(postgresAdmin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: postgresAdmin });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  },
};

const mariadb: TestDatabase = {
  kind: 'mysql',
  async create() {
    const name = uniqueName();
    const admin = await mysql.createConnection(mysqlAdmin);
    await admin.query(`create database ${name} character set utf8mb4 collate utf8mb4_unicode_ci`);
    await admin.end();
    const url = new URL(mysqlAdmin);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = await mysql.createConnection(mysqlAdmin);
        await c.query(`drop database if exists ${name}`);
        await c.end();
      },
    };
  },
};

function hostPort(url: string, fallback: number): [string, number] {
  const u = new URL(url);
  return [u.hostname, Number(u.port || fallback)];
}

/**
 * The system databases every contract test runs against: SQLite always, PostgreSQL and MariaDB when
 * their services are up (PORTICO_TEST_DATABASES=sqlite,postgres limits the set).
 */
export async function systemDatabases(): Promise<TestDatabase[]> {
  const wanted = (process.env.PORTICO_TEST_DATABASES ?? 'sqlite,postgres,mysql').split(',').map((s) => s.trim());
  const out: TestDatabase[] = [];
  if (wanted.includes('sqlite')) out.push(sqlite);
  if (wanted.includes('postgres') && (await requireService('PostgreSQL', ...hostPort(postgresAdmin, 5432)))) {
    out.push(postgres);
  }
  if (wanted.includes('mysql') && (await requireService('MariaDB', ...hostPort(mysqlAdmin, 3306)))) out.push(mariadb);
  return out;
}

/**
 * Several harnesses on one system database: the first `create` makes it, later ones get the same URL, and
 * it is dropped when the last of them closes.
 */
export function sharedDatabase(base: TestDatabase): TestDatabase {
  let made: Promise<{ url: string; drop(): Promise<void> }> | null = null;
  let users = 0;
  return {
    kind: base.kind,
    async create() {
      made ??= base.create();
      const { url, drop } = await made;
      users++;
      return {
        url,
        async drop() {
          users--;
          if (users === 0) await drop();
        },
      };
    },
  };
}
