import type { Kysely } from 'kysely';
import { actionNameOf } from '../actions/build.js';
import type { ConfigKind } from '../changes/kinds.js';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { assertNamed, nameField } from '../schema/fragments.js';
import { parseCron } from './cron-scheduler.js';
import type { CronjobRow, EventRow, TriggerRow } from './tables.js';

/** Events, triggers and cronjobs exist while active (Fusio's status 1); deleting removes the row. */
const active = 1;

export interface EventInput {
  name?: string;
  description?: string;
  schema?: string;
  metadata?: Record<string, string>;
}

export interface TriggerInput {
  name?: string;
  event?: string;
  action?: string;
  metadata?: Record<string, string>;
}

export interface CronjobInput {
  name?: string;
  cron?: string;
  action?: string;
  metadata?: Record<string, string>;
}

/** The names' rules: the handlers' request schemas check them at the edge, the repositories here. */
export const eventNameField = nameField('event', { max: 64, also: '-_.' });
export const triggerNameField = nameField('trigger');
export const cronjobNameField = nameField('cronjob', { max: 64 });

/** Deletes the row a reference names and announces it; the entity's id for the audit row. */
async function deleteNamed(
  find: (db: Kysely<Database>, ref: EntityRef) => Promise<{ id: number }>,
  remove: (db: Kysely<Database>, id: number) => Promise<void>,
  unit: Unit,
  ref: EntityRef,
  ...kinds: ConfigKind[]
): Promise<number> {
  const existing = await find(unit.db, ref);
  await remove(unit.db, existing.id);
  unit.touched(...kinds);
  unit.target(existing.id);
  return existing.id;
}

const metadataOf = (metadata: Record<string, string> | undefined, existing: string | null) =>
  metadata ? JSON.stringify(metadata) : existing;

/** A trigger or cronjob runs an existing action, named as `name` or `action://name`. */
export async function assertActionExists(db: Kysely<Database>, action: unknown): Promise<string> {
  if (typeof action !== 'string' || action.trim() === '') {
    throw badRequest('Action no value provided, you need to provide an existing action name as value');
  }
  const row = await db
    .selectFrom('actions')
    .select('id')
    .where('name', '=', actionNameOf(action.trim()))
    .where('status', '=', active)
    .executeTakeFirst();
  if (!row) throw badRequest(`Action "${action}" does not exist, you need to provide an existing action name as value`);
  return action.trim();
}

async function assertEventExists(db: Kysely<Database>, event: unknown): Promise<string> {
  const name = typeof event === 'string' ? event.trim() : '';
  const row =
    name === ''
      ? undefined
      : await db
          .selectFrom('events')
          .select('id')
          .where('name', '=', name)
          .where('status', '=', active)
          .executeTakeFirst();
  if (!row) {
    throw badRequest(
      `Event "${String(event ?? '')}" does not exist, you need to provide an existing event name as value`,
    );
  }
  return name;
}

/** The schema describing the payload must exist (Passthru, a schema name or schema://name). */
async function assertSchema(db: Kysely<Database>, schema: string | undefined): Promise<string | null> {
  if (schema === undefined || schema === '') return null;
  const name = schema.startsWith('schema://') ? schema.slice('schema://'.length) : schema;
  if (name === 'Passthru') return schema;
  const row = await db
    .selectFrom('schemas')
    .select('id')
    .where('name', '=', name)
    .where('status', '=', active)
    .executeTakeFirst();
  if (!row) throw badRequest(`Schema "${schema}" does not exist`);
  return schema;
}

function checkedCron(expression: unknown): string {
  const cron = parseCron(expression);
  cron.stop();
  return (expression as string).trim();
}

/** Events developers subscribe webhooks to and triggers react to; a renamed event keeps its triggers. */
export class EventRepository {
  readonly table = new EntityTable({
    table: 'events',
    label: 'event',
    visible: (q) => q.where('status', '=', active),
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<EventRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: EventRow) => T,
    narrow?: Parameters<EntityTable<'events'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  async create(unit: Unit, input: EventInput): Promise<number> {
    const name = assertNamed(eventNameField, input.name);
    await this.table.assertNameFree(unit.db, name);
    const schema = await assertSchema(unit.db, input.schema);
    const id = await insertWithId(
      unit.db.insertInto('events').values({
        category_id: 1,
        status: active,
        name,
        description: input.description ?? '',
        event_schema: schema,
        metadata: metadataOf(input.metadata, null),
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    unit.touched('event');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: EventInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name === undefined ? existing.name : assertNamed(eventNameField, input.name);
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const schema = input.schema === undefined ? existing.event_schema : await assertSchema(unit.db, input.schema);
    await unit.db
      .updateTable('events')
      .set({
        name,
        description: input.description ?? existing.description,
        event_schema: schema,
        metadata: metadataOf(input.metadata, existing.metadata),
        updated_at: Date.now(),
      })
      .where('id', '=', existing.id)
      .execute();
    // triggers name their event: a renamed event keeps its triggers
    if (name !== existing.name) {
      await unit.db
        .updateTable('triggers')
        .set({ event: name, updated_at: Date.now() })
        .where('event', '=', existing.name)
        .execute();
      unit.touched('trigger');
    }
    unit.touched('event');
    unit.target(existing.id);
    return existing.id;
  }

  /** Its webhooks and their deliveries go with it. */
  delete(unit: Unit, ref: EntityRef): Promise<number> {
    return deleteNamed(
      (db, r) => this.find(db, r),
      (db, id) => this.table.delete(db, id),
      unit,
      ref,
      'event',
      'webhook',
    );
  }
}

/** Triggers: an existing action runs for every message of an existing event. */
export class TriggerRepository {
  readonly table = new EntityTable({
    table: 'triggers',
    label: 'trigger',
    visible: (q) => q.where('status', '=', active),
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<TriggerRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: TriggerRow) => T,
    narrow?: Parameters<EntityTable<'triggers'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  async create(unit: Unit, input: TriggerInput): Promise<number> {
    const name = assertNamed(triggerNameField, input.name);
    await this.table.assertNameFree(unit.db, name);
    const event = await assertEventExists(unit.db, input.event);
    const action = await assertActionExists(unit.db, input.action);
    const id = await insertWithId(
      unit.db.insertInto('triggers').values({
        category_id: 1,
        status: active,
        name,
        event,
        action,
        metadata: metadataOf(input.metadata, null),
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    unit.touched('trigger');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: TriggerInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name === undefined ? existing.name : assertNamed(triggerNameField, input.name);
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const event = input.event === undefined ? existing.event : await assertEventExists(unit.db, input.event);
    const action = input.action === undefined ? existing.action : await assertActionExists(unit.db, input.action);
    await unit.db
      .updateTable('triggers')
      .set({ name, event, action, metadata: metadataOf(input.metadata, existing.metadata), updated_at: Date.now() })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('trigger');
    unit.target(existing.id);
    return existing.id;
  }

  delete(unit: Unit, ref: EntityRef): Promise<number> {
    return deleteNamed(
      (db, r) => this.find(db, r),
      (db, id) => this.table.delete(db, id),
      unit,
      ref,
      'trigger',
    );
  }
}

/** Cronjobs: an existing action on a schedule (5 fields, or 6 with seconds first, read in UTC). */
export class CronjobRepository {
  readonly table = new EntityTable({
    table: 'cronjobs',
    label: 'cronjob',
    visible: (q) => q.where('status', '=', active),
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<CronjobRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: CronjobRow) => T,
    narrow?: Parameters<EntityTable<'cronjobs'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  async create(unit: Unit, input: CronjobInput): Promise<number> {
    const name = assertNamed(cronjobNameField, input.name);
    await this.table.assertNameFree(unit.db, name);
    const cron = checkedCron(input.cron);
    const action = await assertActionExists(unit.db, input.action);
    const id = await insertWithId(
      unit.db.insertInto('cronjobs').values({
        category_id: 1,
        status: active,
        name,
        cron,
        action,
        execute_date: null,
        exit_code: null,
        metadata: metadataOf(input.metadata, null),
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    unit.touched('cronjob');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: CronjobInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name === undefined ? existing.name : assertNamed(cronjobNameField, input.name);
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const cron = input.cron === undefined ? existing.cron : checkedCron(input.cron);
    const action = input.action === undefined ? existing.action : await assertActionExists(unit.db, input.action);
    await unit.db
      .updateTable('cronjobs')
      .set({ name, cron, action, metadata: metadataOf(input.metadata, existing.metadata), updated_at: Date.now() })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('cronjob');
    unit.target(existing.id);
    return existing.id;
  }

  delete(unit: Unit, ref: EntityRef): Promise<number> {
    return deleteNamed(
      (db, r) => this.find(db, r),
      (db, id) => this.table.delete(db, id),
      unit,
      ref,
      'cronjob',
    );
  }
}
