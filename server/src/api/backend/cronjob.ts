import type { BackendCronjob } from 'fusio-sdk';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { type CronjobInput, cronjobNameField } from '../../events/repository.js';
import type { CronjobRow } from '../../events/tables.js';
import { metadataField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { Platform } from '../platform.js';
import type { SystemOperation } from '../system-operation.js';

/** The latest errors a cronjob's GET shows. */
const shownErrors = 16;

const cronjobBody = {
  type: 'object',
  properties: {
    name: cronjobNameField,
    cron: { type: 'string', maxLength: 255 },
    action: { type: 'string' },
    metadata: metadataField,
  },
};

function view(row: CronjobRow): BackendCronjob & { status: number } {
  const cronjob: BackendCronjob & { status: number } = {
    id: row.id,
    status: row.status,
    name: row.name,
    cron: row.cron,
  };
  if (row.action !== null) cronjob.action = row.action;
  if (row.execute_date !== null) cronjob.executeDate = isoDate(row.execute_date);
  if (row.exit_code !== null) cronjob.exitCode = row.exit_code;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) cronjob.metadata = metadata;
  return cronjob;
}

/** A cronjob with its last run and its latest errors. */
async function detail(row: CronjobRow, platform: Platform) {
  const errors = await platform.db
    .selectFrom('cronjob_errors')
    .select(['message', 'trace', 'file', 'line', 'created_at'])
    .where('cronjob_id', '=', row.id)
    .orderBy('id', 'desc')
    .limit(shownErrors)
    .execute();
  return {
    ...view(row),
    errors: errors.map((e) => ({
      message: e.message,
      trace: e.trace,
      file: e.file,
      line: e.line,
      insertDate: isoDate(e.created_at),
    })),
  };
}

export const cronjobOperations: SystemOperation[] = entityOperations<CronjobRow, CronjobInput, CronjobInput>({
  entity: 'cronjob',
  // the admin app lists one taxonomy (folder) at a time
  filters: { taxonomy: ['equals', 'taxonomy_id'] },
  label: 'Cronjob',
  store: (platform) => platform.cronjobs,
  body: cronjobBody,
  required: ['name', 'cron', 'action'],
  summary: view,
  detail,
  descriptions: {
    create: 'Creates a cronjob; expressions have 5 fields, or 6 with seconds first, and are read in UTC',
    get: 'A cronjob with its last run and its latest errors',
  },
});
