import type { BackendCronjob } from 'fusio-sdk';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { parseCron } from '../../events/cron-scheduler.js';
import type { CronjobRow } from '../../events/tables.js';
import { entityRef, paging } from '../../http/query.js';
import { created, message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';
import { assertActionExists } from './trigger.js';

const cronjobName = /^[a-zA-Z0-9\-_]{3,64}$/;

/** The latest errors a cronjob's GET shows. */
const shownErrors = 16;

const cronjobBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    cron: { type: 'string', maxLength: 255 },
    action: { type: 'string' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

async function findCronjob(platform: Platform, ref: EntityRef): Promise<CronjobRow> {
  let query = platform.db.selectFrom('cronjobs').selectAll().where('status', '=', 1);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find cronjob');
  return row;
}

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

async function assertName(platform: Platform, name: unknown, existing?: CronjobRow): Promise<string> {
  if (typeof name !== 'string' || !cronjobName.test(name)) {
    throw badRequest('Invalid cronjob name: use 3 to 64 letters, digits, "-" or "_"');
  }
  if (name !== existing?.name) {
    const taken = await platform.db.selectFrom('cronjobs').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) throw conflict('Cronjob already exists');
  }
  return name;
}

function assertCron(expression: unknown): string {
  const cron = parseCron(expression);
  cron.stop();
  return (expression as string).trim();
}

export const cronjobOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.cronjob.getAll',
    method: 'GET',
    path: '/backend/cronjob',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('cronjobs').where('status', '=', 1);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'backend.cronjob.create',
    method: 'POST',
    path: '/backend/cronjob',
    httpCode: 201,
    description: 'Creates a cronjob; expressions have 5 fields, or 6 with seconds first, and are read in UTC',
    incoming: { ...cronjobBody, required: ['name', 'cron', 'action'] },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as BackendCronjob;
      const name = await assertName(platform, body.name);
      const cron = assertCron(body.cron);
      const action = await assertActionExists(platform, body.action);
      const id = await platform.changes.write(call, async (unit) => {
        const id = await insertWithId(
          unit.db.insertInto('cronjobs').values({
            category_id: 1,
            status: 1,
            name,
            cron,
            action,
            execute_date: null,
            exit_code: null,
            metadata: body.metadata ? JSON.stringify(body.metadata) : null,
            updated_at: Date.now(),
          }),
          platform.dialect,
        );
        unit.touched('cronjob');
        unit.target(id);
        return id;
      });
      return created('Cronjob successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.cronjob.get',
    method: 'GET',
    path: `/backend/cronjob/$cronjob_id<${idOrName}>`,
    description: 'A cronjob with its last run and its latest errors',
    async handler({ platform, request }) {
      const row = await findCronjob(platform, entityRef(request.params.cronjob_id));
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
    },
  }),
  systemOperation({
    name: 'backend.cronjob.update',
    method: 'PUT',
    path: `/backend/cronjob/$cronjob_id<${idOrName}>`,
    incoming: cronjobBody,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findCronjob(platform, entityRef(request.params.cronjob_id));
      const body = request.body as BackendCronjob;
      const name = body.name === undefined ? existing.name : await assertName(platform, body.name, existing);
      const cron = body.cron === undefined ? existing.cron : assertCron(body.cron);
      const action = body.action === undefined ? existing.action : await assertActionExists(platform, body.action);
      await platform.changes.write(call, async (unit) => {
        await unit.db
          .updateTable('cronjobs')
          .set({
            name,
            cron,
            action,
            metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
            updated_at: Date.now(),
          })
          .where('id', '=', existing.id)
          .execute();
        unit.touched('cronjob');
        unit.target(existing.id);
      });
      return message('Cronjob successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.cronjob.delete',
    method: 'DELETE',
    path: `/backend/cronjob/$cronjob_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      const existing = await findCronjob(platform, entityRef(request.params.cronjob_id));
      await platform.changes.write(call, async (unit) => {
        await unit.db.deleteFrom('cronjobs').where('id', '=', existing.id).execute();
        unit.touched('cronjob');
        unit.target(existing.id);
      });
      return message('Cronjob successfully deleted', existing.id);
    },
  }),
];
