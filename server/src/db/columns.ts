import { type CreateTableBuilder, type Expression, type Kysely, sql } from 'kysely';
import type { DialectName } from './database.js';

/** Column types that mean the same thing on SQLite, PostgreSQL and MariaDB. */
export interface Columns {
  dialect: DialectName;
  /** an auto-incrementing integer primary key named `id` */
  // biome-ignore lint/suspicious/noExplicitAny: table builders in migrations are untyped
  id(tb: CreateTableBuilder<any, any>): CreateTableBuilder<any, any>;
  /** text that may be large (schema sources, configs, request bodies) */
  longText: 'text' | Expression<unknown>;
}

export function columnsFor(dialect: DialectName): Columns {
  return {
    dialect,
    id(tb) {
      if (dialect === 'postgres') return tb.addColumn('id', 'serial', (c) => c.primaryKey());
      return tb.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
    },
    longText: dialect === 'mysql' ? sql`mediumtext` : 'text',
  };
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export type MigrationDb = Kysely<any>;

export interface VersionedMigration {
  up(db: MigrationDb, c: Columns): Promise<void>;
  down?(db: MigrationDb, c: Columns): Promise<void>;
}
