import type { VersionedMigration } from '../columns.js';

/** A short log of configuration changes, read by every node to stay in step with the others. */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('changes'))
      .addColumn('kind', 'varchar(32)', (col) => col.notNull())
      .addColumn('node', 'varchar(64)', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('changes_created_idx').on('changes').column('created_at').execute();
  },
};
