import { Readable } from 'node:stream';
import type { BackendAction, BackendActionExecuteRequest, BackendActionExecuteResponse } from 'fusio-sdk';
import { buildActionHandler } from '../../actions/build.js';
import { formFromSchema } from '../../actions/form.js';
import { type ActionRow, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, renderError } from '../../errors.js';
import { invokeAction } from '../../gateway/invoke.js';
import { entityRef } from '../../http/query.js';
import { parseJsonText } from '../../json.js';
import { isActionResponse } from '../../plugins/action.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { classOperations, entityOperations, historyOperation } from '../crud.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

const actionBody = {
  type: 'object',
  properties: {
    name: nameField('action'),
    class: { type: 'string' },
    async: { type: 'boolean' },
    config: { type: 'object' },
    metadata: metadataField,
  },
};

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

export const actionOperations: SystemOperation[] = [
  ...entityOperations<ActionRow, BackendAction & { name: string; class: string }, BackendAction>({
    entity: 'action',
    // the admin app lists one taxonomy (folder) at a time
    filters: { taxonomy: ['equals', 'taxonomy_id'] },
    label: 'Action',
    store: (platform) => platform.actionConfigs,
    body: actionBody,
    required: ['name', 'class'],
    summary: view,
    detail: view,
  }),
  ...classOperations({
    entity: 'action',
    label: 'Action',
    listKey: 'actions',
    withDescription: true,
    types: (platform) => platform.actions.list(),
    find: (platform, className) => platform.actions.get(className),
    async form(type, platform) {
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
      const row = await platform.actionConfigs.find(platform.db, entityRef(request.params.action_id));
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
  historyOperation('action', (platform) => platform.actionConfigs, 'config'),
];
