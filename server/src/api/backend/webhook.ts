import type { BackendWebhook } from 'fusio-sdk';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { badRequest } from '../../errors.js';
import type { WebhookRow } from '../../events/tables.js';
import {
  createWebhook,
  deleteWebhook,
  findActiveEvent,
  findWebhook,
  updateWebhook,
  type WebhookResponseView,
  webhookResponses,
} from '../../events/webhooks.js';
import { entityRef, paging, queryInt } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

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

export const webhookOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.webhook.getAll',
    method: 'GET',
    path: '/backend/webhook',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('webhooks');
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      const eventId = queryInt(request.query, 'eventId');
      if (eventId !== undefined) query = query.where('event_id', '=', eventId);
      const userId = queryInt(request.query, 'userId');
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'backend.webhook.create',
    method: 'POST',
    path: '/backend/webhook',
    httpCode: 201,
    description: 'Creates a webhook; its signing secret is in this response only',
    incoming: { ...webhookBody, required: ['eventId', 'endpoint'] },
    async handler(call) {
      const { platform, request, caller } = call;
      const body = request.body as BackendWebhook;
      const event = await findActiveEvent(platform, { id: body.eventId as number });
      if (!event) throw badRequest('Webhook event does not exist');
      const userId = body.userId ?? caller.user?.id;
      if (userId === undefined) throw badRequest('Webhook user must not be empty');
      const { id, secret } = await createWebhook(
        platform,
        {
          eventId: event.id,
          userId,
          name: body.name ?? event.name,
          endpoint: body.endpoint,
        },
        call,
      );
      // kept encrypted to sign requests: this is the one chance to read it
      return response(201, { ...message('Webhook successfully created', id), secret });
    },
  }),
  systemOperation({
    name: 'backend.webhook.get',
    method: 'GET',
    path: `/backend/webhook/$webhook_id<${idOrName}>`,
    description: 'A webhook with its latest deliveries and their attempts',
    async handler({ platform, request }) {
      const row = await findWebhook(platform, entityRef(request.params.webhook_id));
      return { ...view(row), responses: await webhookResponses(platform, row.id) };
    },
  }),
  systemOperation({
    name: 'backend.webhook.update',
    method: 'PUT',
    path: `/backend/webhook/$webhook_id<${idOrName}>`,
    description: 'Changes name, event and endpoint; setting the endpoint reactivates a deactivated webhook',
    incoming: webhookBody,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findWebhook(platform, entityRef(request.params.webhook_id));
      const body = request.body as BackendWebhook;
      await updateWebhook(
        platform,
        existing,
        {
          name: body.name,
          endpoint: body.endpoint,
          event: body.eventId === undefined ? undefined : { id: body.eventId },
        },
        call,
      );
      return message('Webhook successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.webhook.delete',
    method: 'DELETE',
    path: `/backend/webhook/$webhook_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findWebhook(platform, entityRef(request.params.webhook_id));
      await deleteWebhook(platform, existing, call);
      return message('Webhook successfully deleted', existing.id);
    },
  }),
];
