import type { VersionedMigration } from '../columns.js';

/**
 * Forms (Fusio's fusio_form): a named UI schema bound to an operation, which the developer portal renders
 * from the operation's incoming JSON Schema and submits to the operation.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('forms'))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('operation_id', 'integer', (col) => col.notNull())
      .addColumn('ui_schema', c.longText, (col) => col.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('forms_name_uq', ['name'])
      .execute();
    await db.schema.createIndex('forms_operation_idx').on('forms').column('operation_id').execute();
  },
};
