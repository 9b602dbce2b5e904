import type { BackendWebhookResponse } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import type { ChangeOrigin, ChangeWriter } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef } from '../db/listing.js';
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

export async function findWebhook(platform: WebhookDeps, ref: EntityRef, userId?: number): Promise<WebhookRow> {
  let query = platform.db.selectFrom('webhooks').selectAll();
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const row = await query.orderBy('id').executeTakeFirst();
  if (!row) throw notFound('Could not find webhook');
  return row;
}

export async function findActiveEvent(platform: WebhookDeps, ref: EntityRef) {
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

/** Stores a webhook with a fresh signing secret; the secret is returned here and never again. */
export async function createWebhook(
  platform: WebhookDeps,
  input: NewWebhook,
  origin?: ChangeOrigin,
): Promise<{ id: number; secret: string }> {
  const name = assertWebhookName(input.name);
  const endpoint = await assertWebhookEndpoint(input.endpoint, allowPrivateTargets(platform));
  const user = await platform.db
    .selectFrom('users')
    .select(['id', 'status'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!user || user.status === UserStatus.deleted) throw badRequest('Webhook user does not exist');
  const secret = generateWebhookSecret();
  const now = Date.now();
  const sealed = platform.events.seal(secret);
  const id = await platform.changes.write(origin, async (unit) => {
    const id = await insertWithId(
      unit.db.insertInto('webhooks').values({
        event_id: input.eventId,
        user_id: input.userId,
        status: WebhookStatus.active,
        name,
        endpoint,
        secret: sealed,
        created_at: now,
        updated_at: now,
      }),
      platform.dialect,
    );
    unit.touched('webhook');
    unit.target(id);
    return id;
  });
  return { id, secret };
}

/** Changes name, endpoint or event; setting the endpoint also reactivates a webhook that answered 410 Gone. */
export async function updateWebhook(
  platform: WebhookDeps,
  existing: WebhookRow,
  input: { name?: unknown; endpoint?: unknown; event?: EntityRef | undefined },
  origin?: ChangeOrigin,
): Promise<void> {
  let eventId = existing.event_id;
  if (input.event !== undefined) {
    const event = await findActiveEvent(platform, input.event);
    if (!event) throw badRequest('Event does not exist');
    eventId = event.id;
  }
  const name = input.name === undefined ? existing.name : assertWebhookName(input.name);
  const endpoint =
    input.endpoint === undefined
      ? existing.endpoint
      : await assertWebhookEndpoint(input.endpoint, allowPrivateTargets(platform));
  await platform.changes.write(origin, async (unit) => {
    await unit.db
      .updateTable('webhooks')
      .set({
        event_id: eventId,
        name,
        endpoint,
        status: input.endpoint === undefined ? existing.status : WebhookStatus.active,
        updated_at: Date.now(),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('webhook');
    unit.target(existing.id);
  });
}

/** Deletes a webhook (its deliveries go with it). */
export async function deleteWebhook(platform: WebhookDeps, existing: WebhookRow, origin?: ChangeOrigin): Promise<void> {
  await platform.changes.write(origin, async (unit) => {
    await unit.db.deleteFrom('webhooks').where('id', '=', existing.id).execute();
    unit.touched('webhook');
    unit.target(existing.id);
  });
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
