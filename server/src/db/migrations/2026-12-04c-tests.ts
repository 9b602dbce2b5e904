import type { VersionedMigration } from '../columns.js';

/**
 * Stored test requests, one per operation (Fusio's `fusio_test`, UNIQUE[operation_id]): what to send
 * (uri fragments, query, headers, body) and the last run's status, message and response.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('tests'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('operation_id', 'integer', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('message', c.longText)
      .addColumn('response', c.longText)
      .addColumn('uri_fragments', 'varchar(512)')
      .addColumn('parameters', 'varchar(512)')
      .addColumn('headers', 'varchar(512)')
      .addColumn('body', c.longText)
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('tests_operation_uq', ['operation_id'])
      .execute();
  },
};
