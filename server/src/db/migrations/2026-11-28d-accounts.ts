import type { VersionedMigration } from '../columns.js';

/** Self-service accounts: one-time activation and password-reset tokens, and the settings that steer sign-up. */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('account_tokens'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      // 'activate' or 'reset'
      .addColumn('purpose', 'varchar(16)', (col) => col.notNull())
      // SHA-256 of the token: the token itself only ever travels in the mail
      .addColumn('token_hash', 'varchar(64)', (col) => col.notNull())
      .addColumn('expire', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('account_tokens_hash_uq', ['token_hash'])
      .execute();
    await db.schema
      .createIndex('account_tokens_user_idx')
      .on('account_tokens')
      .columns(['user_id', 'purpose', 'created_at'])
      .execute();
    await db.schema.createIndex('account_tokens_expire_idx').on('account_tokens').column('expire').execute();
  },
};
