import type { VersionedMigration } from '../columns.js';
import { defaultPages } from './data/default-pages.js';

/**
 * Content pages of the developer portal (Fusio's fusio_page), with the default pages: a fresh install and
 * an existing one both get them here, once; later an admin's edits and deletions are never undone.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('pages'))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('title', 'varchar(255)', (col) => col.notNull())
      .addColumn('slug', 'varchar(128)', (col) => col.notNull())
      .addColumn('content', c.longText, (col) => col.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('pages_slug_uq', ['slug'])
      .execute();
    const now = Date.now();
    await db
      .insertInto('pages')
      .values(defaultPages.map((p) => ({ ...p, metadata: null, created_at: now, updated_at: now })))
      .execute();
  },
};
