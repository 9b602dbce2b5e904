import type { VersionedMigration } from '../columns.js';

/**
 * Failed-login counters shared by every worker and node (without Redis). Keys are digests of the account
 * and the address, so the table holds no email or IP in clear.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('login_throttle'))
      .addColumn('key', 'varchar(160)', (col) => col.notNull())
      .addColumn('failures', 'integer', (col) => col.notNull())
      .addColumn('last_at', 'bigint', (col) => col.notNull())
      // a successful login from this address to this account: it is not locked out by others' failures
      .addColumn('known_at', 'bigint')
      .addUniqueConstraint('login_throttle_key_uq', ['key'])
      .execute();
    await db.schema.createIndex('login_throttle_last_idx').on('login_throttle').column('last_at').execute();
  },
};
