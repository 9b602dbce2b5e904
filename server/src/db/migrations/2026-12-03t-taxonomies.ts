import type { VersionedMigration } from '../columns.js';

/** The entities a taxonomy (Fusio's fusio_taxonomy: a folder of the admin app) can hold. */
const organised = ['operations', 'actions', 'schemas', 'events', 'cronjobs', 'triggers'] as const;

/**
 * Taxonomies: named folders, optionally nested, that organise operations, actions, schemas, events,
 * cronjobs and triggers in the admin app. An entity is in at most one (`taxonomy_id`, null: none).
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('taxonomies'))
      .addColumn('parent_id', 'integer')
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('taxonomies_name_uq', ['name'])
      .execute();
    for (const table of organised) {
      // SQLite adds one column per statement
      await db.schema.alterTable(table).addColumn('taxonomy_id', 'integer').execute();
      await db.schema.createIndex(`${table}_taxonomy_idx`).on(table).column('taxonomy_id').execute();
    }
  },
};
