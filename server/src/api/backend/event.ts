import type { BackendEvent } from 'fusio-sdk';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import type { EventRow } from '../../events/tables.js';
import { entityRef, paging } from '../../http/query.js';
import { created, message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const eventName = /^[a-zA-Z0-9\-_.]{3,64}$/;

const eventBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string', maxLength: 255 },
    schema: { type: 'string', maxLength: 255 },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export async function findEvent(platform: Platform, ref: EntityRef): Promise<EventRow> {
  let query = platform.db.selectFrom('events').selectAll().where('status', '=', 1);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find event');
  return row;
}

export function eventView(row: EventRow, withSchema = true): BackendEvent & { status: number } {
  const event: BackendEvent & { status: number } = {
    id: row.id,
    status: row.status,
    name: row.name,
    description: row.description,
  };
  if (withSchema && row.event_schema) event.schema = row.event_schema;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) event.metadata = metadata;
  return event;
}

async function assertName(platform: Platform, name: unknown, existing?: EventRow): Promise<string> {
  if (typeof name !== 'string' || !eventName.test(name)) {
    throw badRequest('Invalid event name: use 3 to 64 letters, digits, "-", "_" or "."');
  }
  if (name !== existing?.name) {
    const taken = await platform.db.selectFrom('events').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) throw conflict('Event already exists');
  }
  return name;
}

/** The schema describing the payload must exist (Passthru, a schema name or schema://name). */
async function assertSchema(platform: Platform, schema: string | undefined): Promise<string | null> {
  if (schema === undefined || schema === '') return null;
  const name = schema.startsWith('schema://') ? schema.slice('schema://'.length) : schema;
  if (name === 'Passthru') return schema;
  const row = await platform.db
    .selectFrom('schemas')
    .select('id')
    .where('name', '=', name)
    .where('status', '=', 1)
    .executeTakeFirst();
  if (!row) throw badRequest(`Schema "${schema}" does not exist`);
  return schema;
}

export const eventOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.event.getAll',
    method: 'GET',
    path: '/backend/event',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('events').where('status', '=', 1);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, (row) => eventView(row, false));
    },
  }),
  systemOperation({
    name: 'backend.event.create',
    method: 'POST',
    path: '/backend/event',
    httpCode: 201,
    incoming: { ...eventBody, required: ['name'] },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as BackendEvent;
      const name = await assertName(platform, body.name);
      const schema = await assertSchema(platform, body.schema);
      const id = await platform.changes.write(call, async (unit) => {
        const id = await insertWithId(
          unit.db.insertInto('events').values({
            category_id: 1,
            status: 1,
            name,
            description: body.description ?? '',
            event_schema: schema,
            metadata: body.metadata ? JSON.stringify(body.metadata) : null,
            updated_at: Date.now(),
          }),
          platform.dialect,
        );
        unit.touched('event');
        unit.target(id);
        return id;
      });
      return created('Event successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.event.get',
    method: 'GET',
    path: `/backend/event/$event_id<${idOrName}>`,
    async handler({ platform, request }) {
      return eventView(await findEvent(platform, entityRef(request.params.event_id)));
    },
  }),
  systemOperation({
    name: 'backend.event.update',
    method: 'PUT',
    path: `/backend/event/$event_id<${idOrName}>`,
    incoming: eventBody,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findEvent(platform, entityRef(request.params.event_id));
      const body = request.body as BackendEvent;
      const name = body.name === undefined ? existing.name : await assertName(platform, body.name, existing);
      const schema = body.schema === undefined ? existing.event_schema : await assertSchema(platform, body.schema);
      await platform.changes.write(call, async (unit) => {
        const trx = unit.db;
        await trx
          .updateTable('events')
          .set({
            name,
            description: body.description ?? existing.description,
            event_schema: schema,
            metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
            updated_at: Date.now(),
          })
          .where('id', '=', existing.id)
          .execute();
        // triggers name their event: a renamed event keeps its triggers
        if (name !== existing.name) {
          await trx
            .updateTable('triggers')
            .set({ event: name, updated_at: Date.now() })
            .where('event', '=', existing.name)
            .execute();
          unit.touched('trigger');
        }
        unit.touched('event');
        unit.target(existing.id);
      });
      return message('Event successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.event.delete',
    method: 'DELETE',
    path: `/backend/event/$event_id<${idOrName}>`,
    description: 'Deletes an event with its webhooks and their deliveries',
    async handler(call) {
      const { platform, request } = call;
      const existing = await findEvent(platform, entityRef(request.params.event_id));
      await platform.changes.write(call, async (unit) => {
        await unit.db.deleteFrom('events').where('id', '=', existing.id).execute();
        unit.touched('event', 'webhook');
        unit.target(existing.id);
      });
      return message('Event successfully deleted', existing.id);
    },
  }),
];
