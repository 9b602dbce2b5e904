import type { BackendWebhook } from 'fusio-sdk';
import { badRequest } from '../../errors.js';
import type { WebhookRow } from '../../events/tables.js';
import {
  findActiveEvent,
  type PreparedWebhook,
  type WebhookChange,
  WebhookRepository,
  type WebhookResponseView,
  webhookResponses,
} from '../../events/webhooks.js';
import { response } from '../../plugins/action.js';
import { entityOperations } from '../crud.js';
import { message } from '../http.js';
import type { SystemOperation } from '../system-operation.js';

const webhookBody = {
  type: 'object',
  properties: {
    eventId: { type: 'integer' },
    userId: { type: 'integer' },
    name: { type: 'string' },
    endpoint: { type: 'string' },
  },
};

type WebhookView = Omit<BackendWebhook, 'responses'> & { status: number; responses?: WebhookResponseView[] };

function view(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    status: row.status,
    name: row.name,
    endpoint: row.endpoint,
  };
}

export const webhookOperations: SystemOperation[] = entityOperations<WebhookRow, PreparedWebhook, WebhookChange>({
  entity: 'webhook',
  label: 'Webhook',
  store: (platform) => new WebhookRepository(platform),
  body: webhookBody,
  required: ['eventId', 'endpoint'],
  filters: { eventId: ['equals', 'event_id'], userId: ['equals', 'user_id'] },
  summary: view,
  detail: async (row, platform) => ({ ...view(row), responses: await webhookResponses(platform, row.id) }),
  prepare: {
    async create(raw, { platform, caller }) {
      const body = raw as BackendWebhook;
      const event = await findActiveEvent(platform, { id: body.eventId as number });
      if (!event) throw badRequest('Webhook event does not exist');
      const userId = body.userId ?? caller.user?.id;
      if (userId === undefined) throw badRequest('Webhook user must not be empty');
      return new WebhookRepository(platform).prepare({
        eventId: event.id,
        userId,
        name: body.name ?? event.name,
        endpoint: body.endpoint,
      });
    },
    async update(raw, { platform }, ref) {
      const body = raw as BackendWebhook;
      const webhooks = new WebhookRepository(platform);
      return webhooks.prepareChange(await webhooks.find(platform.db, ref), {
        name: body.name,
        endpoint: body.endpoint,
        event: body.eventId === undefined ? undefined : { id: body.eventId },
      });
    },
  },
  // kept encrypted to sign requests: this answer is the one chance to read the secret
  created: (id, webhook) => response(201, { ...message('Webhook successfully created', id), secret: webhook.secret }),
  descriptions: {
    create: 'Creates a webhook; its signing secret is in this response only',
    get: 'A webhook with its latest deliveries and their attempts',
    update: 'Changes name, event and endpoint; setting the endpoint reactivates a deactivated webhook',
  },
});
