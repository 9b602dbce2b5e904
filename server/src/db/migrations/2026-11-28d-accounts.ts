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

    const existing = new Set(
      ((await db.selectFrom('config').select('name').execute()) as { name: string }[]).map((r) => r.name),
    );
    const settings = [
      {
        name: 'user_admin_approval',
        type: 2,
        description: 'If true new accounts stay disabled until an administrator activates them',
        value: '0',
      },
      {
        name: 'recaptcha_verify_url',
        type: 1,
        description: 'Where captcha responses are verified (reCAPTCHA siteverify or a compatible service)',
        value: 'https://www.google.com/recaptcha/api/siteverify',
      },
      {
        name: 'mail_register_exists_subject',
        type: 1,
        description: 'Subject of the mail sent when someone registers with an email that already has an account',
        value: 'Portico registration',
      },
      {
        name: 'mail_register_exists_body',
        type: 6,
        description: 'Body of the mail sent when someone registers with an email that already has an account',
        value:
          'Hello {name},\n\nsomebody tried to register a new account with your email address, which already has an account.\nIf this was you and you forgot your password, you can reset it at:\n{apps_url}/developer/password\n\nOtherwise you can ignore this email.',
      },
    ].filter((s) => !existing.has(s.name));
    if (settings.length > 0) await db.insertInto('config').values(settings).execute();
  },
};
