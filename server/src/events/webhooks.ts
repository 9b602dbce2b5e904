import type { BackendWebhookResponse } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import type { ChangeOrigin, ChangeWriter, Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { type Database, UserStatus } from '../db/schema.js';
import { isoDate } from '../db/values.js';
import { badRequest, notFound } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import { assertWebhookEndpoint } from './address-guard.js';
import { parseHistory } from './delivery-worker.js';
import { generateWebhookSecret } from './signing.js';
import { DeliveryStatus, type WebhookRow, WebhookStatus } from './tables.js';

/** What the webhook functions work with: the system database, units, settings and the secret sealer. */
export interface WebhookDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly changes: ChangeWriter;
  readonly settings: Settings;
  readonly events: { seal(secret: string): string };
}

/** How many of a webhook's latest deliveries its GET shows. */
export const shownResponses = 16;

export function allowPrivateTargets(platform: WebhookDeps): boolean {
  return platform.settings.boolean('webhook_allow_private');
}

export function assertWebhookName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw badRequest('Webhook name must not be empty');
  const trimmed = name.trim();
  if (trimmed.length > 64) throw badRequest('Webhook name must have at most 64 characters');
  return trimmed;
}

export async function findWebhook(
  platform: Pick<WebhookDeps, 'db'>,
  ref: EntityRef,
  userId?: number,
): Promise<WebhookRow> {
  let query = platform.db.selectFrom('webhooks').selectAll();
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const row = await query.orderBy('id').executeTakeFirst();
  if (!row) throw notFound('Could not find webhook');
  return row;
}

export async function findActiveEvent(platform: Pick<WebhookDeps, 'db'>, ref: EntityRef) {
  let query = platform.db.selectFrom('events').select(['id', 'name']).where('status', '=', 1);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  return query.executeTakeFirst();
}

export interface NewWebhook {
  eventId: number;
  userId: number;
  name: unknown;
  endpoint: unknown;
}

/** A webhook checked, with its signing secret made (and sealed for storage), ready for a unit. */
export interface PreparedWebhook {
  readonly eventId: number;
  readonly userId: number;
  readonly name: string;
  readonly endpoint: string;
  /** shown once, in the create answer */
  readonly secret: string;
  readonly sealed: string;
}

/** What an update writes: the checked values, the endpoint reactivating a webhook that answered 410 Gone. */
export interface WebhookChange {
  readonly eventId: number;
  readonly name: string;
  readonly endpoint: string;
  readonly status: number;
}

/**
 * Webhooks: a developer's endpoint for an event, signed with a secret shown once. Checks that read the
 * pool or the DNS (the endpoint must not point inside the network) run before the unit; writes take it.
 */
export class WebhookRepository {
  readonly table = new EntityTable({ table: 'webhooks', label: 'webhook' });

  constructor(private readonly deps: WebhookDeps) {}

  find(db: Kysely<Database>, ref: EntityRef, userId?: number): Promise<WebhookRow> {
    return findWebhook({ db }, ref, userId);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: WebhookRow) => T,
    narrow?: Parameters<EntityTable<'webhooks'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  async prepare(input: NewWebhook): Promise<PreparedWebhook> {
    const name = assertWebhookName(input.name);
    const endpoint = await assertWebhookEndpoint(input.endpoint, allowPrivateTargets(this.deps));
    const user = await this.deps.db
      .selectFrom('users')
      .select(['id', 'status'])
      .where('id', '=', input.userId)
      .executeTakeFirst();
    if (!user || user.status === UserStatus.deleted) throw badRequest('Webhook user does not exist');
    const secret = generateWebhookSecret();
    return {
      eventId: input.eventId,
      userId: input.userId,
      name,
      endpoint,
      secret,
      sealed: this.deps.events.seal(secret),
    };
  }

  async prepareChange(
    existing: WebhookRow,
    input: { name?: unknown; endpoint?: unknown; event?: EntityRef | undefined },
  ): Promise<WebhookChange> {
    let eventId = existing.event_id;
    if (input.event !== undefined) {
      const event = await findActiveEvent(this.deps, input.event);
      if (!event) throw badRequest('Event does not exist');
      eventId = event.id;
    }
    return {
      eventId,
      name: input.name === undefined ? existing.name : assertWebhookName(input.name),
      endpoint:
        input.endpoint === undefined
          ? existing.endpoint
          : await assertWebhookEndpoint(input.endpoint, allowPrivateTargets(this.deps)),
      status: input.endpoint === undefined ? existing.status : WebhookStatus.active,
    };
  }

  async create(unit: Unit, webhook: PreparedWebhook): Promise<number> {
    const now = Date.now();
    const id = await insertWithId(
      unit.db.insertInto('webhooks').values({
        event_id: webhook.eventId,
        user_id: webhook.userId,
        status: WebhookStatus.active,
        name: webhook.name,
        endpoint: webhook.endpoint,
        secret: webhook.sealed,
        created_at: now,
        updated_at: now,
      }),
      this.deps.dialect,
    );
    unit.touched('webhook');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, change: WebhookChange): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await unit.db
      .updateTable('webhooks')
      .set({
        event_id: change.eventId,
        name: change.name,
        endpoint: change.endpoint,
        status: change.status,
        updated_at: Date.now(),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('webhook');
    unit.target(existing.id);
    return existing.id;
  }

  /** Its deliveries go with it. */
  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.touched('webhook');
    unit.target(existing.id);
    return existing.id;
  }
}

/** Stores a webhook with a fresh signing secret in a unit of its own; the secret is returned here only. */
export async function createWebhook(
  deps: WebhookDeps,
  input: NewWebhook,
  origin?: ChangeOrigin,
): Promise<{ id: number; secret: string }> {
  const webhooks = new WebhookRepository(deps);
  const webhook = await webhooks.prepare(input);
  const id = await deps.changes.write(origin, (unit) => webhooks.create(unit, webhook));
  return { id, secret: webhook.secret };
}

/** Changes name, endpoint or event; setting the endpoint also reactivates a webhook that answered 410 Gone. */
export async function updateWebhook(
  deps: WebhookDeps,
  existing: WebhookRow,
  input: { name?: unknown; endpoint?: unknown; event?: EntityRef | undefined },
  origin?: ChangeOrigin,
): Promise<void> {
  const webhooks = new WebhookRepository(deps);
  const change = await webhooks.prepareChange(existing, input);
  await deps.changes.write(origin, (unit) => webhooks.update(unit, { id: existing.id }, change));
}

/** Deletes a webhook (its deliveries go with it). */
export async function deleteWebhook(deps: WebhookDeps, existing: WebhookRow, origin?: ChangeOrigin): Promise<void> {
  await deps.changes.write(origin, (unit) => new WebhookRepository(deps).delete(unit, { id: existing.id }));
}

export type WebhookResponseView = BackendWebhookResponse & {
  body?: string;
  /** the `webhook-id` the receiver saw */
  messageId: string;
  event: string;
  nextAttemptDate?: string;
  insertDate?: string;
  history: { attempt: number; code?: number; error?: string; body?: string; executeDate?: string; ms: number }[];
};

/** The latest deliveries to a webhook with each attempt's status code, error and an excerpt of the answer. */
export async function webhookResponses(platform: WebhookDeps, webhookId: number): Promise<WebhookResponseView[]> {
  const rows = await platform.db
    .selectFrom('event_deliveries')
    .innerJoin('event_messages', 'event_messages.id', 'event_deliveries.message_id')
    .select([
      'event_deliveries.id',
      'event_deliveries.status',
      'event_deliveries.attempts',
      'event_deliveries.code',
      'event_deliveries.body',
      'event_deliveries.error',
      'event_deliveries.history',
      'event_deliveries.next_attempt_at',
      'event_deliveries.execute_date',
      'event_deliveries.created_at',
      'event_messages.uid',
      'event_messages.name',
    ])
    .where('event_deliveries.webhook_id', '=', webhookId)
    .orderBy('event_deliveries.id', 'desc')
    .limit(shownResponses)
    .execute();
  return rows.map((row) => {
    const view: WebhookResponseView = {
      id: row.id,
      status: row.status,
      attempts: row.attempts,
      messageId: row.uid,
      event: row.name,
      insertDate: isoDate(row.created_at),
      history: parseHistory(row.history).map((h) => ({
        attempt: h.attempt,
        ...(h.code === null ? {} : { code: h.code }),
        ...(h.error === null ? {} : { error: h.error }),
        ...(h.excerpt === null ? {} : { body: h.excerpt }),
        executeDate: isoDate(h.date),
        ms: h.ms,
      })),
    };
    if (row.code !== null) view.code = row.code;
    if (row.body !== null) view.body = row.body;
    if (row.error !== null) view.error = row.error;
    if (row.execute_date !== null) view.executeDate = isoDate(row.execute_date);
    if (row.status === DeliveryStatus.pending) view.nextAttemptDate = isoDate(row.next_attempt_at);
    return view;
  });
}
