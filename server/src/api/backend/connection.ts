import type { BackendConnection } from 'fusio-sdk';
import type { JsonSchema } from '../../actions/action.js';
import { formFromSchema } from '../../actions/form.js';
import { secretFields } from '../../connections/manager.js';
import { insertWithId } from '../../db/insert.js';
import { collection, containsIgnoreCase, type EntityRef } from '../../db/listing.js';
import { Category, type ConnectionRow, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { entityRef, paging, queryString } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

/** What a stored secret looks like through the API; sending it back means "keep the stored value". */
export const secretMask = '********';

const connectionName = /^[a-zA-Z0-9\-_]{3,255}$/;

/**
 * For the audit log: a body whose `config` holds a plugin's credentials, with every field its class marks
 * `x-secret` masked — by the body's class, or, when an update leaves the class out, by every class.
 */
export function maskConfigSecrets(
  body: unknown,
  types: { get(className: string): { config: JsonSchema } | undefined; list(): { config: JsonSchema }[] },
): unknown {
  if (!body || typeof body !== 'object') return body;
  const { class: className, config } = body as { class?: unknown; config?: unknown };
  if (!config || typeof config !== 'object') return body;
  const type = typeof className === 'string' ? types.get(className) : undefined;
  const fields = type ? secretFields(type.config) : types.list().flatMap((t) => secretFields(t.config));
  const masked: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const field of fields) if (masked[field] !== undefined && masked[field] !== '') masked[field] = secretMask;
  return { ...(body as Record<string, unknown>), config: masked };
}

const connectionBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    class: { type: 'string' },
    config: { type: 'object' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

async function findConnection(platform: Platform, ref: EntityRef): Promise<ConnectionRow> {
  let query = platform.db.selectFrom('connections').selectAll().where('status', '=', Status.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find connection');
  return row;
}

function secretsOf(platform: Platform, className: string): string[] {
  const type = platform.connections.registry.get(className);
  return type ? secretFields(type.config) : [];
}

function view(platform: Platform, row: ConnectionRow, withConfig: boolean): BackendConnection {
  const connection: BackendConnection = { id: row.id, name: row.name, class: row.class };
  if (withConfig) {
    let config: Record<string, unknown> = {};
    try {
      config = platform.connections.configOf(row);
    } catch {
      // encrypted with another key: show nothing rather than fail the listing
    }
    for (const field of secretsOf(platform, row.class)) {
      if (config[field] !== undefined && config[field] !== '') config[field] = secretMask;
    }
    connection.config = config;
  }
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) connection.metadata = metadata;
  return connection;
}

/** Validates, tests and encrypts a config; masked secrets are replaced by the stored ones. */
async function prepareConfig(
  platform: Platform,
  className: string,
  config: Record<string, unknown>,
  previous: Record<string, unknown> | null,
): Promise<string> {
  const merged = { ...config };
  for (const field of secretsOf(platform, className)) {
    if ((merged[field] === secretMask || merged[field] === undefined) && previous) merged[field] = previous[field];
  }
  const valid = platform.connections.registry.validateConfig(className, merged);
  try {
    await platform.connections.test(className, valid);
  } catch (error) {
    throw badRequest(`Connection test failed: ${(error as Error).message}`);
  }
  return platform.connections.encryptConfig(valid);
}

export const connectionOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.getAll',
    method: 'GET',
    path: '/backend/connection',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('connections').where('status', '=', Status.active);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      const className = queryString(request.query, 'class');
      if (className) query = query.where('class', '=', className);
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy('id', page.sortOrder === 'asc' ? 'asc' : 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(
        Number(total.n),
        page,
        rows.map((row) => view(platform, row, false)),
      );
    },
  }),
  systemOperation({
    name: 'backend.connection.create',
    method: 'POST',
    path: '/backend/connection',
    httpCode: 201,
    incoming: { ...connectionBody, required: ['name', 'class'] },
    auditBody: (body, platform) => maskConfigSecrets(body, platform.connections.registry),
    async handler({ platform, request }) {
      const body = request.body as BackendConnection;
      const name = body.name as string;
      if (!connectionName.test(name))
        throw badRequest('Invalid connection name: use 3 to 255 letters, digits, "-" or "_"');
      if (await platform.db.selectFrom('connections').select('id').where('name', '=', name).executeTakeFirst()) {
        throw conflict('Connection already exists');
      }
      const config = await prepareConfig(platform, body.class as string, body.config ?? {}, null);
      const id = await insertWithId(
        platform.db.insertInto('connections').values({
          category_id: Category.default,
          status: Status.active,
          name,
          class: body.class as string,
          config,
          metadata: body.metadata ? JSON.stringify(body.metadata) : null,
          updated_at: Date.now(),
        }),
        platform.dialect,
      );
      await platform.configChanged();
      return created('Connection successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.connection.getClasses',
    method: 'GET',
    path: '/backend/connection/list',
    handler({ platform }) {
      return {
        connections: platform.connections.registry.list().map((type) => ({
          name: type.name,
          class: type.class,
          ...(type.description ? { description: type.description } : {}),
        })),
      };
    },
  }),
  systemOperation({
    name: 'backend.connection.getForm',
    method: 'GET',
    path: '/backend/connection/form',
    handler({ platform, request }) {
      const className = queryString(request.query, 'class');
      if (!className) throw badRequest('Query parameter "class" is required');
      const type = platform.connections.registry.get(className);
      if (!type) throw notFound(`Connection class "${className}" does not exist`);
      return formFromSchema(type.config);
    },
  }),
  systemOperation({
    name: 'backend.connection.get',
    method: 'GET',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(platform, await findConnection(platform, entityRef(request.params.connection_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.connection.update',
    method: 'PUT',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    incoming: connectionBody,
    auditBody: (body, platform) => maskConfigSecrets(body, platform.connections.registry),
    async handler({ platform, request }) {
      const existing = await findConnection(platform, entityRef(request.params.connection_id));
      const body = request.body as BackendConnection;
      const name = body.name ?? existing.name;
      if (name !== existing.name) {
        if (!connectionName.test(name)) throw badRequest('Invalid connection name');
        if (await platform.db.selectFrom('connections').select('id').where('name', '=', name).executeTakeFirst()) {
          throw conflict('Connection already exists');
        }
      }
      const className = body.class ?? existing.class;
      let previous: Record<string, unknown> | null = null;
      try {
        previous = platform.connections.configOf(existing);
      } catch {
        previous = null;
      }
      const config = await prepareConfig(platform, className, body.config ?? previous ?? {}, previous);
      await platform.db
        .updateTable('connections')
        .set({
          name,
          class: className,
          config,
          metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
          updated_at: Math.max(Date.now(), existing.updated_at + 1),
        })
        .where('id', '=', existing.id)
        .execute();
      await platform.configChanged();
      return message('Connection successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.connection.delete',
    method: 'DELETE',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findConnection(platform, entityRef(request.params.connection_id));
      await platform.db.deleteFrom('connections').where('id', '=', existing.id).execute();
      await platform.configChanged();
      return message('Connection successfully deleted', existing.id);
    },
  }),
];
