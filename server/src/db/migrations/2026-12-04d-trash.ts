import type { VersionedMigration } from '../columns.js';

/**
 * The trash: a deleted configuration entity's last view (the body its create takes), so it can be
 * restored; the row itself is deleted, so its name is free again.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('trash'))
      .addColumn('type', 'varchar(32)', (col) => col.notNull())
      .addColumn('entity_id', 'integer', (col) => col.notNull())
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('data', c.longText, (col) => col.notNull())
      .addColumn('deleted_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('trash_type_idx').on('trash').columns(['type', 'id']).execute();
  },
};
