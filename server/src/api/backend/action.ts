import { Readable } from 'node:stream';
import type {
  BackendAction,
  BackendActionCommit,
  BackendActionExecuteRequest,
  BackendActionExecuteResponse,
} from 'fusio-sdk';
import { isActionResponse } from '../../actions/action.js';
import { formFromSchema } from '../../actions/form.js';
import { commitHistory, recordCommit } from '../../changes/history.js';
import { insertWithId } from '../../db/insert.js';
import { collection, containsIgnoreCase, type EntityRef } from '../../db/listing.js';
import { type ActionRow, Category, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound, PorticoError, renderError } from '../../errors.js';
import { actionNameOf, buildActionHandler } from '../../gateway/compile.js';
import { invokeAction } from '../../gateway/invoke.js';
import { entityRef, paging, queryString } from '../../http/query.js';
import { parseJsonText } from '../../json.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const actionName = /^[a-zA-Z0-9\-_]{3,255}$/;

const actionBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    class: { type: 'string' },
    async: { type: 'boolean' },
    config: { type: 'object' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export async function findAction(platform: Platform, ref: EntityRef): Promise<ActionRow> {
  let query = platform.db.selectFrom('actions').selectAll().where('status', '=', Status.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find action');
  return row;
}

function view(row: ActionRow): BackendAction {
  const action: BackendAction = {
    id: row.id,
    status: row.status,
    name: row.name,
    class: row.class,
    async: row.async === 1,
    config: parseJsonColumn(row.config) ?? {},
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) action.metadata = metadata;
  return action;
}

/** Validates a class + config and proves a handler can be built from it before anything is stored. */
async function checkedConfig(platform: Platform, className: string, config: unknown): Promise<string> {
  const valid = platform.actions.validateConfig(className, config ?? {});
  try {
    await buildActionHandler(
      platform.actions,
      { name: 'check', class: className, config: JSON.stringify(valid) },
      {
        logger: noopLogger,
        connections: platform.connections,
        baseUrl: platform.config.publicUrl,
      },
    );
  } catch (error) {
    if (error instanceof PorticoError) throw error;
    throw badRequest((error as Error).message);
  }
  return JSON.stringify(valid);
}

const noopLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Bytes and streams (a proxied answer) are read (at most 1 MiB) and shown as JSON or text. */
async function shownBody(body: unknown, headers: Readonly<Record<string, string>>): Promise<unknown> {
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(body)) bytes = body;
  else if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk as Uint8Array));
      size += (chunk as Uint8Array).length;
      if (size > 1024 * 1024) break;
    }
    body.destroy();
    bytes = Buffer.concat(chunks);
  }
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  const text = bytes ? bytes.toString('utf8') : body;
  if (typeof text !== 'string' || (!bytes && !type.includes('json'))) return text;
  try {
    return parseJsonText(text);
  } catch {
    return text;
  }
}

async function assertNameFree(platform: Platform, name: string, exceptId?: number): Promise<void> {
  let query = platform.db.selectFrom('actions').select('id').where('name', '=', name);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) throw conflict('Action already exists');
}

export const actionOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.action.getAll',
    method: 'GET',
    path: '/backend/action',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db
        .selectFrom('actions')
        .where('status', '=', Status.active)
        .where('category_id', '=', Category.default);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy('id', page.sortOrder === 'asc' ? 'asc' : 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(Number(total.n), page, rows.map(view));
    },
  }),
  systemOperation({
    name: 'backend.action.create',
    method: 'POST',
    path: '/backend/action',
    httpCode: 201,
    incoming: { ...actionBody, required: ['name', 'class'] },
    async handler({ platform, request, caller }) {
      const body = request.body as BackendAction;
      if (!actionName.test(body.name ?? '')) {
        throw badRequest('Invalid action name: use 3 to 255 letters, digits, "-" or "_"');
      }
      await assertNameFree(platform, body.name as string);
      const config = await checkedConfig(platform, body.class as string, body.config);
      const id = await insertWithId(
        platform.db.insertInto('actions').values({
          category_id: Category.default,
          status: Status.active,
          name: body.name as string,
          class: body.class as string,
          async: body.async ? 1 : 0,
          config,
          metadata: body.metadata ? JSON.stringify(body.metadata) : null,
          updated_at: Date.now(),
        }),
        platform.dialect,
      );
      await recordCommit(platform.db, 'action', id, caller.user?.id ?? null, config);
      await platform.configChanged();
      return created('Action successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.action.getClasses',
    method: 'GET',
    path: '/backend/action/list',
    handler({ platform }) {
      return {
        actions: platform.actions.list().map((type) => ({
          name: type.name,
          class: type.class,
          ...(type.description ? { description: type.description } : {}),
        })),
      };
    },
  }),
  systemOperation({
    name: 'backend.action.getForm',
    method: 'GET',
    path: '/backend/action/form',
    async handler({ platform, request }) {
      const className = queryString(request.query, 'class');
      if (!className) throw badRequest('Query parameter "class" is required');
      const type = platform.actions.get(className);
      if (!type) throw notFound(`Action class "${className}" does not exist`);
      const [connections, actions] = await Promise.all([
        platform.db.selectFrom('connections').select(['name', 'class']).where('status', '=', Status.active).execute(),
        platform.db.selectFrom('actions').select('name').where('status', '=', Status.active).execute(),
      ]);
      return formFromSchema(type.config, { connections, actions });
    },
  }),
  systemOperation({
    name: 'backend.action.execute',
    method: 'POST',
    path: '/backend/action/execute/:action_id',
    incoming: {
      type: 'object',
      properties: {
        method: { type: 'string' },
        uriFragments: { type: 'string' },
        parameters: { type: 'string' },
        headers: { type: 'string' },
        body: {},
      },
    },
    async handler(call) {
      const { platform, request } = call;
      const row = await findAction(platform, entityRef(request.params.action_id));
      const input = (request.body ?? {}) as BackendActionExecuteRequest;
      let handler: Awaited<ReturnType<typeof buildActionHandler>>;
      try {
        handler = await buildActionHandler(platform.actions, row, {
          logger: noopLogger,
          connections: platform.connections,
          baseUrl: platform.config.publicUrl,
        });
      } catch (error) {
        throw badRequest(`Action cannot be built: ${(error as Error).message}`);
      }
      const headers: Record<string, string> = {};
      for (const line of (input.headers ?? '').split(/\r?\n|&/)) {
        const sep = line.indexOf(line.includes(':') ? ':' : '=');
        if (sep > 0) headers[line.slice(0, sep).trim().toLowerCase()] = line.slice(sep + 1).trim();
      }
      const testRequest = {
        method: (input.method ?? 'GET').toUpperCase(),
        path: `/backend/action/execute/${row.id}`,
        params: Object.fromEntries(new URLSearchParams(input.uriFragments ?? '')),
        query: Object.fromEntries(new URLSearchParams(input.parameters ?? '')),
        headers,
        body: input.body,
        ip: request.ip,
        requestId: request.requestId,
      };
      let result: BackendActionExecuteResponse;
      try {
        const out = await invokeAction(
          handler,
          { request: testRequest, caller: call.caller, operation: call.operation },
          {
            baseUrl: platform.config.publicUrl,
            logger: noopLogger,
            connections: platform.connections,
            events: platform.events,
          },
        );
        result = isActionResponse(out)
          ? {
              statusCode: out.status ?? 200,
              headers: { ...out.headers },
              body: (await shownBody(out.body, out.headers)) as Record<string, unknown>,
            }
          : { statusCode: 200, headers: {}, body: out as Record<string, unknown> };
      } catch (error) {
        const rendered = renderError(error, platform.config.debug);
        result = { statusCode: rendered.status, headers: rendered.headers, body: { ...rendered.body } };
      }
      return result;
    },
  }),
  systemOperation({
    name: 'backend.action.get',
    method: 'GET',
    path: `/backend/action/$action_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(await findAction(platform, entityRef(request.params.action_id)));
    },
  }),
  systemOperation({
    name: 'backend.action.update',
    method: 'PUT',
    path: `/backend/action/$action_id<${idOrName}>`,
    incoming: actionBody,
    async handler({ platform, request, caller }) {
      const existing = await findAction(platform, entityRef(request.params.action_id));
      const body = request.body as BackendAction;
      const name = body.name ?? existing.name;
      if (!actionName.test(name)) throw badRequest('Invalid action name: use 3 to 255 letters, digits, "-" or "_"');
      if (name !== existing.name) {
        await assertNameFree(platform, name, existing.id);
        const users = await operationsUsing(platform, existing.name);
        if (users.length > 0) {
          throw conflict(`Action is used by operation ${users.join(', ')}; change the operation before renaming`);
        }
      }
      const className = body.class ?? existing.class;
      const config = await checkedConfig(platform, className, body.config ?? parseJsonColumn(existing.config) ?? {});
      await platform.db
        .updateTable('actions')
        .set({
          name,
          class: className,
          async: body.async === undefined ? existing.async : body.async ? 1 : 0,
          config,
          metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
          updated_at: Math.max(Date.now(), existing.updated_at + 1),
        })
        .where('id', '=', existing.id)
        .execute();
      if (config !== existing.config)
        await recordCommit(platform.db, 'action', existing.id, caller.user?.id ?? null, config);
      await platform.configChanged();
      return message('Action successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.action.getCommits',
    method: 'GET',
    path: `/backend/action/$action_id<${idOrName}>/commit`,
    async handler({ platform, request }) {
      const action = await findAction(platform, entityRef(request.params.action_id));
      const history = await commitHistory(platform.db, 'action', action.id, paging(request.query));
      return {
        ...history,
        entry: history.entry.map(({ content, ...rest }): BackendActionCommit => ({ ...rest, config: content })),
      };
    },
  }),
  systemOperation({
    name: 'backend.action.delete',
    method: 'DELETE',
    path: `/backend/action/$action_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findAction(platform, entityRef(request.params.action_id));
      const users = await operationsUsing(platform, existing.name);
      if (users.length > 0) throw conflict(`Action is used by operation ${users.join(', ')}`);
      await platform.db.deleteFrom('actions').where('id', '=', existing.id).execute();
      await platform.configChanged();
      return message('Action successfully deleted', existing.id);
    },
  }),
];

async function operationsUsing(platform: Platform, name: string): Promise<string[]> {
  const rows = await platform.db
    .selectFrom('operations')
    .select(['name', 'action'])
    .where('action', 'in', [name, `action://${name}`])
    .execute();
  return rows.filter((r) => actionNameOf(r.action) === name).map((r) => r.name);
}
