import type { VersionedMigration } from '../columns.js';

/** Every saved version of an action's config and a schema's source, for history and diffs. */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('action_commits'))
      .addColumn('action_id', 'integer', (col) => col.notNull().references('actions.id').onDelete('cascade'))
      .addColumn('user_id', 'integer')
      .addColumn('prev_hash', 'varchar(64)', (col) => col.notNull().defaultTo(''))
      .addColumn('commit_hash', 'varchar(64)', (col) => col.notNull())
      .addColumn('config', c.longText, (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('action_commits_action_idx')
      .on('action_commits')
      .columns(['action_id', 'id'])
      .execute();
    await c
      .id(db.schema.createTable('schema_commits'))
      .addColumn('schema_id', 'integer', (col) => col.notNull().references('schemas.id').onDelete('cascade'))
      .addColumn('user_id', 'integer')
      .addColumn('prev_hash', 'varchar(64)', (col) => col.notNull().defaultTo(''))
      .addColumn('commit_hash', 'varchar(64)', (col) => col.notNull())
      .addColumn('source', c.longText, (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('schema_commits_schema_idx')
      .on('schema_commits')
      .columns(['schema_id', 'id'])
      .execute();
  },
};
