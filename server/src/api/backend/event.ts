import type { BackendEvent } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import { type EventInput, eventNameField } from '../../events/repository.js';
import type { EventRow } from '../../events/tables.js';
import { metadataField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

const eventBody = {
  type: 'object',
  properties: {
    name: eventNameField,
    description: { type: 'string', maxLength: 255 },
    schema: { type: 'string', maxLength: 255 },
    metadata: metadataField,
  },
};

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

export const eventOperations: SystemOperation[] = entityOperations<EventRow, EventInput, EventInput>({
  entity: 'event',
  // the admin app lists one taxonomy (folder) at a time
  filters: { taxonomy: ['equals', 'taxonomy_id'] },
  label: 'Event',
  store: (platform) => platform.eventConfigs,
  body: eventBody,
  required: ['name'],
  summary: (row) => eventView(row, false),
  detail: (row) => eventView(row),
  descriptions: { delete: 'Deletes an event with its webhooks and their deliveries' },
});
