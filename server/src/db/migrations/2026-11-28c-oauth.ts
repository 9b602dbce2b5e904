import type { VersionedMigration } from '../columns.js';

/**
 * OAuth2 / OpenID Connect: authorization codes, remembered user grants, refresh-token families,
 * revocation times every node polls, and the signing key each token was signed with (key rotation).
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    // SQLite adds one column per statement
    await db.schema.alterTable('tokens').addColumn('revoked_at', 'bigint').execute();
    await db.schema.alterTable('tokens').addColumn('family', 'varchar(64)').execute();
    await db.schema.alterTable('tokens').addColumn('kid', 'varchar(64)').execute();
    await db.schema.createIndex('tokens_revoked_idx').on('tokens').column('revoked_at').execute();
    await db.schema.createIndex('tokens_family_idx').on('tokens').column('family').execute();

    await db.schema.alterTable('signing_keys').addColumn('retired_at', 'bigint').execute();

    await c
      .id(db.schema.createTable('app_codes'))
      .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code', 'varchar(64)', (col) => col.notNull())
      .addColumn('family', 'varchar(64)', (col) => col.notNull())
      .addColumn('redirect_uri', 'varchar(1023)', (col) => col.notNull())
      .addColumn('redirect_uri_given', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('scope', 'varchar(1023)', (col) => col.notNull())
      .addColumn('code_challenge', 'varchar(128)')
      .addColumn('nonce', 'varchar(255)')
      .addColumn('auth_time', 'bigint')
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('app_codes_code_uq', ['code'])
      .execute();
    await db.schema.createIndex('app_codes_expires_idx').on('app_codes').column('expires_at').execute();

    await c
      .id(db.schema.createTable('user_grants'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('allow', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('scope', 'varchar(1023)', (col) => col.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('user_grants_uq', ['user_id', 'app_id'])
      .execute();
    await db.schema.createIndex('user_grants_app_idx').on('user_grants').column('app_id').execute();
  },
};
