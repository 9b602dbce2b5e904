import type { VersionedMigration } from '../columns.js';

/**
 * Releases (Fusio's fusio_action_tag / fusio_schema_tag): a version name on one commit of each action and
 * schema, which `Api-Version: x.y.z` selects. An action commit keeps its class too, so a pinned or released
 * commit is rebuilt as it was; an operation keeps when it was deprecated, the date its Deprecation header
 * gives when its metadata names none.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    for (const kind of ['action', 'schema'] as const) {
      await c
        .id(db.schema.createTable(`${kind}_tags`))
        .addColumn('commit_id', 'integer', (col) => col.notNull().references(`${kind}_commits.id`).onDelete('cascade'))
        .addColumn('user_id', 'integer')
        .addColumn('version', 'varchar(32)', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addUniqueConstraint(`${kind}_tags_commit_version_uq`, ['commit_id', 'version'])
        .execute();
      await db.schema.createIndex(`${kind}_tags_version_idx`).on(`${kind}_tags`).column('version').execute();
    }
    // SQLite adds one column per statement
    await db.schema.alterTable('action_commits').addColumn('class', 'varchar(255)').execute();
    await db.schema.alterTable('operations').addColumn('deprecated_at', 'bigint').execute();
  },
};
