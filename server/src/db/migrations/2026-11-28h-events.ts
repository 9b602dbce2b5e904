import type { VersionedMigration } from '../columns.js';

/**
 * Events, triggers, webhooks and cronjobs (Fusio's fusio_event, fusio_trigger, fusio_webhook,
 * fusio_webhook_response, fusio_cronjob, fusio_cronjob_error), plus the durable outbox the delivery worker
 * reads (event_messages → event_deliveries) and the per-tick claims that make a cronjob run once per tick
 * across nodes (cronjob_runs).
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    await c
      .id(db.schema.createTable('events'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('description', 'varchar(255)', (col) => col.notNull().defaultTo(''))
      .addColumn('event_schema', 'varchar(255)')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('events_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('triggers'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(255)', (col) => col.notNull())
      .addColumn('event', 'varchar(64)', (col) => col.notNull())
      .addColumn('action', 'varchar(255)', (col) => col.notNull())
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('triggers_name_uq', ['name'])
      .execute();
    await db.schema.createIndex('triggers_event_idx').on('triggers').column('event').execute();

    await c
      .id(db.schema.createTable('webhooks'))
      .addColumn('event_id', 'integer', (col) => col.notNull().references('events.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('endpoint', 'varchar(1024)', (col) => col.notNull())
      .addColumn('secret', 'varchar(512)', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('webhooks_event_idx').on('webhooks').columns(['event_id', 'status']).execute();
    await db.schema.createIndex('webhooks_user_idx').on('webhooks').column('user_id').execute();

    await c
      .id(db.schema.createTable('event_messages'))
      .addColumn('uid', 'varchar(40)', (col) => col.notNull())
      // 1 = event, 2 = internal job
      .addColumn('kind', 'integer', (col) => col.notNull())
      .addColumn('name', 'varchar(128)', (col) => col.notNull())
      .addColumn('payload', c.longText, (col) => col.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('origin_user_id', 'integer')
      .addColumn('origin_app_id', 'integer')
      // 0 = waiting for fan-out, 1 = fanned out
      .addColumn('state', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('claim_token', 'varchar(40)')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('event_messages_uid_uq', ['uid'])
      .execute();
    await db.schema.createIndex('event_messages_state_idx').on('event_messages').columns(['state', 'id']).execute();
    await db.schema.createIndex('event_messages_created_idx').on('event_messages').column('created_at').execute();

    await c
      .id(db.schema.createTable('event_deliveries'))
      .addColumn('message_id', 'integer', (col) => col.notNull().references('event_messages.id').onDelete('cascade'))
      .addColumn('webhook_id', 'integer', (col) => col.references('webhooks.id').onDelete('cascade'))
      .addColumn('trigger_id', 'integer', (col) => col.references('triggers.id').onDelete('cascade'))
      .addColumn('job', 'varchar(128)')
      // 1 = pending, 2 = done, 3 = gave up (Fusio's webhook response statuses)
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('claim_token', 'varchar(40)')
      .addColumn('code', 'integer')
      .addColumn('body', 'text')
      .addColumn('error', 'text')
      .addColumn('history', 'text')
      .addColumn('execute_date', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('event_deliveries_due_idx')
      .on('event_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('event_deliveries_webhook_idx')
      .on('event_deliveries')
      .columns(['webhook_id', 'id'])
      .execute();
    await db.schema.createIndex('event_deliveries_message_idx').on('event_deliveries').column('message_id').execute();
    await db.schema.createIndex('event_deliveries_claim_idx').on('event_deliveries').column('claim_token').execute();

    await c
      .id(db.schema.createTable('cronjobs'))
      .addColumn('category_id', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('status', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('name', 'varchar(64)', (col) => col.notNull())
      .addColumn('cron', 'varchar(255)', (col) => col.notNull())
      .addColumn('action', 'varchar(255)')
      .addColumn('execute_date', 'bigint')
      .addColumn('exit_code', 'integer')
      .addColumn('metadata', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addUniqueConstraint('cronjobs_name_uq', ['name'])
      .execute();

    await c
      .id(db.schema.createTable('cronjob_errors'))
      .addColumn('cronjob_id', 'integer', (col) => col.notNull().references('cronjobs.id').onDelete('cascade'))
      .addColumn('message', 'varchar(500)', (col) => col.notNull())
      .addColumn('trace', 'text', (col) => col.notNull())
      .addColumn('file', 'varchar(255)', (col) => col.notNull())
      .addColumn('line', 'integer', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('cronjob_errors_cronjob_idx')
      .on('cronjob_errors')
      .columns(['cronjob_id', 'id'])
      .execute();

    await c
      .id(db.schema.createTable('cronjob_runs'))
      .addColumn('cronjob_id', 'integer', (col) => col.notNull().references('cronjobs.id').onDelete('cascade'))
      .addColumn('scheduled_at', 'bigint', (col) => col.notNull())
      .addColumn('node', 'varchar(64)', (col) => col.notNull())
      .addColumn('started_at', 'bigint', (col) => col.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('exit_code', 'integer')
      .addUniqueConstraint('cronjob_runs_tick_uq', ['cronjob_id', 'scheduled_at'])
      .execute();
    await db.schema.createIndex('cronjob_runs_started_idx').on('cronjob_runs').column('started_at').execute();
  },
};
