import { sql } from 'kysely';
import type { VersionedMigration } from '../columns.js';

/**
 * Plans, points and payments (Fusio's fusio_plan, fusio_plan_scope, fusio_plan_usage, fusio_transaction),
 * the webhook events a payment provider already delivered (so a replay credits nothing), and the indexes
 * the usage statistics aggregate over.
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('plans'))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('description', 'varchar(512)', (col) => col.notNull().defaultTo(''))
      // minor units (cents); the API shows 9.99
      .addColumn('price', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('points', 'integer', (col) => col.notNull().defaultTo(0))
      // 0 or null = one-time purchase, 1 = subscription (Fusio's ProductInterface intervals)
      .addColumn('period_type', 'integer')
      // e.g. a Stripe price id
      .addColumn('external_id', 'varchar(255)')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('plans_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('plan_scopes'))
      .addColumn('plan_id', 'integer', (col) => col.notNull().references('plans.id').onDelete('cascade'))
      .addColumn('scope_id', 'integer', (col) => col.notNull().references('scopes.id').onDelete('cascade'))
      .addUniqueConstraint('plan_scopes_uq', ['plan_id', 'scope_id'])
      .execute();

    await c
      .id(db.schema.createTable('plan_usages'))
      .addColumn('operation_id', 'integer', (col) => col.notNull())
      .addColumn('user_id', 'integer', (col) => col.notNull())
      .addColumn('app_id', 'integer')
      .addColumn('points', 'integer', (col) => col.notNull())
      .addColumn('date', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('plan_usages_date_idx').on('plan_usages').columns(['date', 'points']).execute();
    await db.schema.createIndex('plan_usages_user_idx').on('plan_usages').columns(['user_id', 'date']).execute();

    await c
      .id(db.schema.createTable('transactions'))
      .addColumn('user_id', 'integer', (col) => col.notNull())
      .addColumn('plan_id', 'integer', (col) => col.notNull())
      // who created it: stripe, renewal (free plans), ...
      .addColumn('provider', 'varchar(32)', (col) => col.notNull())
      // the provider's id (checkout session, invoice); unique so a replayed webhook cannot credit twice
      .addColumn('transaction_id', 'varchar(255)', (col) => col.notNull())
      // minor units (cents)
      .addColumn('amount', 'integer', (col) => col.notNull())
      .addColumn('points', 'integer', (col) => col.notNull())
      .addColumn('period_start', 'bigint')
      .addColumn('period_end', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('transactions_transaction_id_uq', ['transaction_id'])
      .execute();
    await db.schema
      .createIndex('transactions_created_idx')
      .on('transactions')
      .columns(['created_at', 'amount'])
      .execute();
    await db.schema
      .createIndex('transactions_user_idx')
      .on('transactions')
      .columns(['user_id', 'plan_id', 'period_end'])
      .execute();

    await c
      .id(db.schema.createTable('payment_events'))
      .addColumn('provider', 'varchar(32)', (col) => col.notNull())
      .addColumn('event_id', 'varchar(255)', (col) => col.notNull())
      .addColumn('type', 'varchar(64)', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('payment_events_uq', ['provider', 'event_id'])
      .execute();

    // webhooks find the user by the provider's customer id
    await db.schema.createIndex('users_external_idx').on('users').column('external_id').execute();
    await db.schema.createIndex('users_created_idx').on('users').column('created_at').execute();
    await db.schema.createIndex('tokens_created_idx').on('tokens').column('created_at').execute();
    // every statistic of the request logs reads one category in a date range and groups by one of these
    // columns: with all of them in the index it never reads the (wide) log rows (bench/statistics)
    await db.schema
      .createIndex('logs_category_date_idx')
      .on('logs')
      .columns(['category_id', 'date', 'operation_id', 'app_id', 'user_id', 'response_code', 'execution_time', 'ip'])
      .execute();
    if (c.dialect === 'postgres') {
      // the number of days in a range, so PostgreSQL plans a small in-memory aggregate (and parallel scans)
      await sql`create statistics logs_day_stats on (date / 86400000) from logs`.execute(db);
    }
  },
};
