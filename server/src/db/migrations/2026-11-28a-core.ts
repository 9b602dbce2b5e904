import type { VersionedMigration } from '../columns.js';

/** The core model: operations, actions, schemas, connections, scopes, users, roles, apps, tokens, config, logs, audits. */
export const migration: VersionedMigration = {
  async up(db, c) {
    const T = c.longText;

    await c
      .id(db.schema.createTable('categories'))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addUniqueConstraint('categories_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('scopes'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('description', 'varchar(255)', (col) => col.notNull().defaultTo(''))
      .addColumn('metadata', 'text')
      .addUniqueConstraint('scopes_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('operations'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('public', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('stability', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('description', 'varchar(500)')
      .addColumn('http_method', 'varchar(16)', (col) => col.notNull())
      .addColumn('http_path', 'varchar(255)', (col) => col.notNull())
      .addColumn('http_code', 'integer', (col) => col.notNull().defaultTo(200))
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('parameters', 'text')
      .addColumn('incoming', 'varchar(255)')
      .addColumn('outgoing', 'varchar(255)')
      .addColumn('throws', 'text')
      .addColumn('action', 'varchar(255)', (col) => col.notNull())
      .addColumn('costs', 'integer')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('operations_name_uq', ['name'])
      .addUniqueConstraint('operations_route_uq', ['http_method', 'http_path'])
      .execute();

    await c
      .id(db.schema.createTable('scope_operations'))
      .addColumn('scope_id', 'integer', (col) => col.notNull().references('scopes.id').onDelete('cascade'))
      .addColumn('operation_id', 'integer', (col) => col.notNull().references('operations.id').onDelete('cascade'))
      .addColumn('allow', 'integer', (col) => col.notNull().defaultTo(1))
      .addUniqueConstraint('scope_operations_uq', ['scope_id', 'operation_id'])
      .execute();

    await c
      .id(db.schema.createTable('actions'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('class', 'varchar(255)', (col) => col.notNull())
      .addColumn('async', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('config', T)
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('actions_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('schemas'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('source', T, (col) => col.notNull())
      .addColumn('form', 'text')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('schemas_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('connections'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('class', 'varchar(255)', (col) => col.notNull())
      .addColumn('config', T)
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('connections_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('roles'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addUniqueConstraint('roles_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('role_scopes'))
      .addColumn('role_id', 'integer', (col) => col.notNull().references('roles.id').onDelete('cascade'))
      .addColumn('scope_id', 'integer', (col) => col.notNull().references('scopes.id').onDelete('cascade'))
      .addUniqueConstraint('role_scopes_uq', ['role_id', 'scope_id'])
      .execute();

    await c
      .id(db.schema.createTable('users'))
      .addColumn('role_id', 'integer', (col) => col.notNull())
      .addColumn('plan_id', 'integer')
      .addColumn('identity_id', 'integer')
      .addColumn('status', 'integer', (col) => col.notNull())
      .addColumn('remote_id', 'varchar(255)')
      .addColumn('external_id', 'varchar(255)')
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('email', 'varchar(128)')
      .addColumn('password', 'varchar(255)')
      .addColumn('points', 'integer')
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('users_name_uq', ['name'])
      .addUniqueConstraint('users_email_uq', ['email'])
      .addUniqueConstraint('users_remote_uq', ['identity_id', 'remote_id'])
      .execute();

    await c
      .id(db.schema.createTable('user_scopes'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('scope_id', 'integer', (col) => col.notNull().references('scopes.id').onDelete('cascade'))
      .addUniqueConstraint('user_scopes_uq', ['user_id', 'scope_id'])
      .execute();

    await c
      .id(db.schema.createTable('apps'))
      .addColumn('user_id', 'integer', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull())
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('url', 'varchar(255)', (col) => col.notNull().defaultTo(''))
      .addColumn('parameters', 'varchar(255)')
      .addColumn('app_key', 'varchar(64)', (col) => col.notNull())
      .addColumn('app_secret', 'varchar(128)', (col) => col.notNull())
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('apps_key_uq', ['app_key'])
      .execute();
    await db.schema.createIndex('apps_user_idx').on('apps').column('user_id').execute();

    await c
      .id(db.schema.createTable('app_scopes'))
      .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('scope_id', 'integer', (col) => col.notNull().references('scopes.id').onDelete('cascade'))
      .addUniqueConstraint('app_scopes_uq', ['app_id', 'scope_id'])
      .execute();

    await c
      .id(db.schema.createTable('tokens'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('app_id', 'integer')
      .addColumn('user_id', 'integer', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(255)')
      .addColumn('token_id', 'varchar(64)', (col) => col.notNull())
      .addColumn('refresh', 'varchar(128)')
      .addColumn('scope', 'varchar(1023)', (col) => col.notNull())
      .addColumn('ip', 'varchar(45)', (col) => col.notNull())
      .addColumn('expire', 'bigint', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('tokens_token_id_uq', ['token_id'])
      .addUniqueConstraint('tokens_refresh_uq', ['refresh'])
      .execute();
    await db.schema.createIndex('tokens_user_idx').on('tokens').columns(['user_id', 'created_at']).execute();
    await db.schema.createIndex('tokens_status_idx').on('tokens').columns(['status', 'expire']).execute();

    await c
      .id(db.schema.createTable('config'))
      .addColumn('type', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('description', 'varchar(512)', (col) => col.notNull().defaultTo(''))
      .addColumn('value', 'text', (col) => col.notNull())
      .addUniqueConstraint('config_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('logs'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('operation_id', 'integer')
      .addColumn('app_id', 'integer')
      .addColumn('user_id', 'integer')
      .addColumn('ip', 'varchar(45)', (col) => col.notNull())
      .addColumn('user_agent', 'varchar(255)', (col) => col.notNull())
      .addColumn('method', 'varchar(16)', (col) => col.notNull())
      .addColumn('path', 'varchar(1023)', (col) => col.notNull())
      .addColumn('header', 'text', (col) => col.notNull())
      .addColumn('body', 'text')
      .addColumn('response_code', 'integer')
      .addColumn('execution_time', 'integer')
      .addColumn('date', 'bigint', (col) => col.notNull())
      .execute();
    // every request writes a row here: each index costs write throughput on the hot path (about a quarter of
    // it for four indexes, measured with bench/), so logs keep only their primary key and the one covering
    // index statistics and filters read (added with the statistics, migration 2026-11-28i-plans)

    await c
      .id(db.schema.createTable('log_errors'))
      .addColumn('log_id', 'integer', (col) => col.notNull())
      .addColumn('message', 'varchar(500)', (col) => col.notNull())
      .addColumn('trace', 'text', (col) => col.notNull())
      .addColumn('file', 'varchar(255)', (col) => col.notNull())
      .addColumn('line', 'integer', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('log_errors_log_idx').on('log_errors').column('log_id').execute();

    await c
      .id(db.schema.createTable('audits'))
      .addColumn('app_id', 'integer')
      .addColumn('user_id', 'integer')
      .addColumn('ref_id', 'integer')
      .addColumn('event', 'varchar(255)', (col) => col.notNull())
      .addColumn('ip', 'varchar(45)', (col) => col.notNull())
      .addColumn('message', 'varchar(255)', (col) => col.notNull())
      .addColumn('content', 'text')
      .addColumn('date', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('audits_date_idx').on('audits').column('date').execute();

    await c
      .id(db.schema.createTable('signing_keys'))
      .addColumn('kid', 'varchar(64)', (col) => col.notNull())
      .addColumn('alg', 'varchar(16)', (col) => col.notNull())
      .addColumn('private_jwk', 'text', (col) => col.notNull())
      .addColumn('public_jwk', 'text', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('signing_keys_kid_uq', ['kid'])
      .execute();
  },
};
