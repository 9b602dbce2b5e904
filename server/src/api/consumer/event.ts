import type { ConsumerEvent } from 'fusio-sdk';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import type { EventRow } from '../../events/tables.js';
import { entityRef, paging } from '../../http/query.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

function view(row: EventRow): ConsumerEvent & { status: number; schema?: string } {
  const event: ConsumerEvent & { status: number; schema?: string } = {
    id: row.id,
    status: row.status,
    name: row.name,
    description: row.description,
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) event.metadata = metadata;
  return event;
}

export const consumerEventOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.event.getAll',
    method: 'GET',
    path: '/consumer/event',
    description: 'The events a developer may subscribe a webhook to',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('events').where('status', '=', 1);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'consumer.event.get',
    method: 'GET',
    path: `/consumer/event/$event_id<${idOrName}>`,
    async handler({ platform, request }) {
      const ref = entityRef(request.params.event_id);
      let query = platform.db.selectFrom('events').selectAll().where('status', '=', 1);
      query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
      const row = await query.executeTakeFirst();
      if (!row) throw notFound('Could not find event');
      const event = view(row);
      if (row.event_schema) event.schema = row.event_schema;
      return event;
    },
  }),
];
