import type { VersionedMigration } from '../columns.js';

/**
 * Rate limits (Fusio's fusio_rate and fusio_rate_allocation). An allocation names what a rate applies to;
 * a null criterion matches anything. Allocations of a deleted operation, user or app go with it: they could
 * never match again. The default rates are inserted by runtime/seed.ts.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('rates'))
      .addColumn('priority', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('rate_limit', 'integer', (col) => col.notNull())
      // ISO-8601 duration, e.g. PT1H
      .addColumn('timespan', 'varchar(64)', (col) => col.notNull())
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('rates_name_uq', ['name'])
      .execute();
    await c
      .id(db.schema.createTable('rate_allocations'))
      .addColumn('rate_id', 'integer', (col) => col.notNull().references('rates.id').onDelete('cascade'))
      .addColumn('operation_id', 'integer', (col) => col.references('operations.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (col) => col.references('users.id').onDelete('cascade'))
      // plans come later: a plain number until then
      .addColumn('plan_id', 'integer')
      .addColumn('app_id', 'integer', (col) => col.references('apps.id').onDelete('cascade'))
      // 1 = callers with a token, 0 = anonymous callers, null = both
      .addColumn('authenticated', 'integer')
      .execute();
    await db.schema.createIndex('rate_allocations_rate_idx').on('rate_allocations').column('rate_id').execute();
  },
};
