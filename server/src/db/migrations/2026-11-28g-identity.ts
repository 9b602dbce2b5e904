import type { VersionedMigration } from '../columns.js';

/**
 * Identity providers for developer logins (Fusio's fusio_identity and fusio_identity_request), and links
 * from existing accounts to a provider's users. Accounts a provider created carry users.identity_id and
 * users.remote_id, as in Fusio.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('identities'))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('app_id', 'integer', (col) => col.notNull())
      .addColumn('role_id', 'integer')
      .addColumn('name', 'varchar(128)', (col) => col.notNull())
      .addColumn('icon', 'varchar(64)')
      .addColumn('class', 'varchar(255)', (col) => col.notNull())
      // encrypted JSON
      .addColumn('config', 'text')
      .addColumn('allow_create', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('identities_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('identity_requests'))
      .addColumn('identity_id', 'integer', (col) => col.notNull().references('identities.id').onDelete('cascade'))
      .addColumn('state_hash', 'varchar(64)', (col) => col.notNull())
      .addColumn('browser_hash', 'varchar(64)', (col) => col.notNull())
      .addColumn('nonce', 'varchar(128)', (col) => col.notNull())
      .addColumn('code_verifier', 'varchar(128)', (col) => col.notNull())
      .addColumn('redirect_uri', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('identity_requests_state_uq', ['state_hash'])
      .execute();
    await db.schema.createIndex('identity_requests_created_idx').on('identity_requests').column('created_at').execute();

    await c
      .id(db.schema.createTable('identity_links'))
      .addColumn('identity_id', 'integer', (col) => col.notNull().references('identities.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('remote_id', 'varchar(255)', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('identity_links_remote_uq', ['identity_id', 'remote_id'])
      .addUniqueConstraint('identity_links_user_uq', ['identity_id', 'user_id'])
      .execute();
  },
};
