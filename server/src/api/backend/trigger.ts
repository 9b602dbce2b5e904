import type { BackendTrigger } from 'fusio-sdk';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { type TriggerInput, triggerNameField } from '../../events/repository.js';
import type { TriggerRow } from '../../events/tables.js';
import { metadataField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { Platform } from '../platform.js';
import type { SystemOperation } from '../system-operation.js';

const triggerBody = {
  type: 'object',
  properties: {
    name: triggerNameField,
    event: { type: 'string' },
    action: { type: 'string' },
    metadata: metadataField,
  },
};

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

/** A trigger with its latest runs. */
async function detail(row: TriggerRow, platform: Platform) {
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
}

export const triggerOperations: SystemOperation[] = entityOperations<TriggerRow, TriggerInput, TriggerInput>({
  entity: 'trigger',
  // the admin app lists one taxonomy (folder) at a time
  filters: { taxonomy: ['equals', 'taxonomy_id'] },
  label: 'Trigger',
  store: (platform) => platform.triggers,
  body: triggerBody,
  required: ['name', 'event', 'action'],
  summary: view,
  detail,
  descriptions: { get: 'A trigger with its latest runs' },
});
