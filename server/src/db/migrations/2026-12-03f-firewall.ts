import type { VersionedMigration } from '../columns.js';

/** Firewall rules: allow and deny rules for addresses and CIDR ranges, with expiry (automatic bans too). */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('firewall'))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('type', 'integer', (col) => col.notNull())
      // the longest canonical range: eight groups of four hex digits and "/128"
      .addColumn('ip', 'varchar(64)', (col) => col.notNull())
      .addColumn('expire', 'bigint')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('firewall_name_uq', ['name'])
      .execute();
  },
};
