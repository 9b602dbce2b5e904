import type { ConsumerWebhook, ConsumerWebhookCreate, ConsumerWebhookUpdate } from 'fusio-sdk';
import { sql } from 'kysely';
import { collection } from '../../db/listing.js';
import { badRequest } from '../../errors.js';
import {
  createWebhook,
  deleteWebhook,
  findActiveEvent,
  findWebhook,
  updateWebhook,
  type WebhookResponseView,
  webhookResponses,
} from '../../events/webhooks.js';
import { entityRef, paging } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

const webhookBody = {
  type: 'object',
  properties: {
    event: { type: 'string' },
    name: { type: 'string' },
    endpoint: { type: 'string' },
  },
};

type WebhookView = Omit<ConsumerWebhook, 'responses'> & { responses?: WebhookResponseView[] };

async function eventName(platform: Platform, eventId: number): Promise<string | undefined> {
  const row = await platform.db.selectFrom('events').select('name').where('id', '=', eventId).executeTakeFirst();
  return row?.name;
}

async function countWebhooks(platform: Platform, userId: number): Promise<number> {
  const row = await platform.db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const consumerWebhookOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.webhook.getAll',
    method: 'GET',
    path: '/consumer/webhook',
    description: "The caller's webhooks",
    async handler(call) {
      const { platform } = call;
      const page = paging(call.request.query);
      let query = platform.db
        .selectFrom('webhooks')
        .innerJoin('events', 'events.id', 'webhooks.event_id')
        .where('webhooks.user_id', '=', currentUserId(call));
      if (page.search) {
        const escaped = page.search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`);
        query = query.where(sql<boolean>`lower(webhooks.name) like ${`%${escaped}%`} escape '!'`);
      }
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .select(['webhooks.id', 'webhooks.status', 'webhooks.name', 'webhooks.endpoint', 'events.name as event_name'])
        .orderBy('webhooks.id', page.sortOrder === 'asc' ? 'asc' : 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(
        Number(total.n),
        page,
        rows.map(
          (r): WebhookView => ({ id: r.id, status: r.status, event: r.event_name, name: r.name, endpoint: r.endpoint }),
        ),
      );
    },
  }),
  systemOperation({
    name: 'consumer.webhook.create',
    method: 'POST',
    path: '/consumer/webhook',
    httpCode: 201,
    description: 'Subscribes an endpoint to an event; the signing secret is in this response only',
    incoming: { ...webhookBody, required: ['event', 'endpoint'] },
    async handler(call) {
      const { platform } = call;
      const body = call.request.body as ConsumerWebhookCreate;
      const userId = currentUserId(call);
      const max = platform.settings.number('consumer_max_webhooks');
      if ((await countWebhooks(platform, userId)) >= max) {
        throw badRequest(
          'Maximal amount of webhooks reached. Please delete another webhook in order to create a new one',
        );
      }
      const event = await findActiveEvent(platform, { name: body.event ?? '' });
      if (!event) throw badRequest('Event does not exist');
      const { id, secret } = await createWebhook(platform, {
        eventId: event.id,
        userId,
        name: body.name ?? event.name,
        endpoint: body.endpoint,
      });
      return response(201, { ...message('Webhook successfully created', id), secret });
    },
  }),
  systemOperation({
    name: 'consumer.webhook.get',
    method: 'GET',
    path: `/consumer/webhook/$webhook_id<${idOrName}>`,
    description: 'One of the caller’s webhooks with its latest deliveries and their attempts',
    async handler(call) {
      const { platform } = call;
      const row = await findWebhook(platform, entityRef(call.request.params.webhook_id), currentUserId(call));
      const view: WebhookView = {
        id: row.id,
        status: row.status,
        event: await eventName(platform, row.event_id),
        name: row.name,
        endpoint: row.endpoint,
        responses: await webhookResponses(platform, row.id),
      };
      return view;
    },
  }),
  systemOperation({
    name: 'consumer.webhook.update',
    method: 'PUT',
    path: `/consumer/webhook/$webhook_id<${idOrName}>`,
    description: 'Changes name, event and endpoint; setting the endpoint reactivates a deactivated webhook',
    incoming: webhookBody,
    async handler(call) {
      const { platform } = call;
      const body = call.request.body as ConsumerWebhookUpdate;
      const existing = await findWebhook(platform, entityRef(call.request.params.webhook_id), currentUserId(call));
      await updateWebhook(platform, existing, {
        name: body.name,
        endpoint: body.endpoint,
        event: body.event === undefined ? undefined : { name: body.event },
      });
      return message('Webhook successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'consumer.webhook.delete',
    method: 'DELETE',
    path: `/consumer/webhook/$webhook_id<${idOrName}>`,
    async handler(call) {
      const { platform } = call;
      const existing = await findWebhook(platform, entityRef(call.request.params.webhook_id), currentUserId(call));
      await deleteWebhook(platform, existing, call);
      return message('Webhook successfully deleted', existing.id);
    },
  }),
];
