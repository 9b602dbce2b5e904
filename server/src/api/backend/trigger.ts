import type { BackendTrigger } from 'fusio-sdk';
import { actionNameOf } from '../../actions/build.js';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import type { TriggerRow } from '../../events/tables.js';
import { entityRef, paging } from '../../http/query.js';
import { created, message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const triggerName = /^[a-zA-Z0-9\-_]{3,255}$/;

const triggerBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    event: { type: 'string' },
    action: { type: 'string' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

async function findTrigger(platform: Platform, ref: EntityRef): Promise<TriggerRow> {
  let query = platform.db.selectFrom('triggers').selectAll().where('status', '=', 1);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find trigger');
  return row;
}

function view(row: TriggerRow): BackendTrigger & { status: number } {
  const trigger: BackendTrigger & { status: number } = {
    id: row.id,
    status: row.status,
    name: row.name,
    event: row.event,
    action: row.action,
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) trigger.metadata = metadata;
  return trigger;
}

/** A trigger or cronjob runs an existing action, named as `name` or `action://name`. */
export async function assertActionExists(platform: Platform, action: unknown): Promise<string> {
  if (typeof action !== 'string' || action.trim() === '') {
    throw badRequest('Action no value provided, you need to provide an existing action name as value');
  }
  const row = await platform.db
    .selectFrom('actions')
    .select('id')
    .where('name', '=', actionNameOf(action.trim()))
    .where('status', '=', 1)
    .executeTakeFirst();
  if (!row) throw badRequest(`Action "${action}" does not exist, you need to provide an existing action name as value`);
  return action.trim();
}

async function assertEventExists(platform: Platform, event: unknown): Promise<string> {
  const name = typeof event === 'string' ? event.trim() : '';
  const row =
    name === ''
      ? undefined
      : await platform.db
          .selectFrom('events')
          .select('id')
          .where('name', '=', name)
          .where('status', '=', 1)
          .executeTakeFirst();
  if (!row) {
    throw badRequest(
      `Event "${String(event ?? '')}" does not exist, you need to provide an existing event name as value`,
    );
  }
  return name;
}

async function assertName(platform: Platform, name: unknown, existing?: TriggerRow): Promise<string> {
  if (typeof name !== 'string' || !triggerName.test(name)) {
    throw badRequest('Invalid trigger name: use 3 to 255 letters, digits, "-" or "_"');
  }
  if (name !== existing?.name) {
    const taken = await platform.db.selectFrom('triggers').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) throw conflict('Trigger already exists');
  }
  return name;
}

export const triggerOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.trigger.getAll',
    method: 'GET',
    path: '/backend/trigger',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('triggers').where('status', '=', 1);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'backend.trigger.create',
    method: 'POST',
    path: '/backend/trigger',
    httpCode: 201,
    incoming: { ...triggerBody, required: ['name', 'event', 'action'] },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as BackendTrigger;
      const name = await assertName(platform, body.name);
      const event = await assertEventExists(platform, body.event);
      const action = await assertActionExists(platform, body.action);
      const id = await platform.changes.write(call, async (unit) => {
        const id = await insertWithId(
          unit.db.insertInto('triggers').values({
            category_id: 1,
            status: 1,
            name,
            event,
            action,
            metadata: body.metadata ? JSON.stringify(body.metadata) : null,
            updated_at: Date.now(),
          }),
          platform.dialect,
        );
        unit.touched('trigger');
        unit.target(id);
        return id;
      });
      return created('Trigger successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.trigger.get',
    method: 'GET',
    path: `/backend/trigger/$trigger_id<${idOrName}>`,
    description: 'A trigger with its latest runs',
    async handler({ platform, request }) {
      const row = await findTrigger(platform, entityRef(request.params.trigger_id));
      const runs = await platform.db
        .selectFrom('event_deliveries')
        .innerJoin('event_messages', 'event_messages.id', 'event_deliveries.message_id')
        .select([
          'event_deliveries.id',
          'event_deliveries.status',
          'event_deliveries.attempts',
          'event_deliveries.error',
          'event_deliveries.execute_date',
          'event_messages.uid',
        ])
        .where('event_deliveries.trigger_id', '=', row.id)
        .orderBy('event_deliveries.id', 'desc')
        .limit(16)
        .execute();
      return {
        ...view(row),
        runs: runs.map((r) => ({
          id: r.id,
          status: r.status,
          attempts: r.attempts,
          messageId: r.uid,
          ...(r.error === null ? {} : { error: r.error }),
          ...(r.execute_date === null ? {} : { executeDate: isoDate(r.execute_date) }),
        })),
      };
    },
  }),
  systemOperation({
    name: 'backend.trigger.update',
    method: 'PUT',
    path: `/backend/trigger/$trigger_id<${idOrName}>`,
    incoming: triggerBody,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findTrigger(platform, entityRef(request.params.trigger_id));
      const body = request.body as BackendTrigger;
      const name = body.name === undefined ? existing.name : await assertName(platform, body.name, existing);
      const event = body.event === undefined ? existing.event : await assertEventExists(platform, body.event);
      const action = body.action === undefined ? existing.action : await assertActionExists(platform, body.action);
      await platform.changes.write(call, async (unit) => {
        await unit.db
          .updateTable('triggers')
          .set({
            name,
            event,
            action,
            metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
            updated_at: Date.now(),
          })
          .where('id', '=', existing.id)
          .execute();
        unit.touched('trigger');
        unit.target(existing.id);
      });
      return message('Trigger successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.trigger.delete',
    method: 'DELETE',
    path: `/backend/trigger/$trigger_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findTrigger(platform, entityRef(request.params.trigger_id));
      await platform.changes.write(call, async (unit) => {
        await unit.db.deleteFrom('triggers').where('id', '=', existing.id).execute();
        unit.touched('trigger');
        unit.target(existing.id);
      });
      return message('Trigger successfully deleted', existing.id);
    },
  }),
];
