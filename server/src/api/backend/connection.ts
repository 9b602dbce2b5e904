import type { BackendConnection } from 'fusio-sdk';
import { formFromSchema } from '../../actions/form.js';
import { maskConfigSecrets } from '../../connections/secrets.js';
import type { EntityRef } from '../../db/listing.js';
import type { ConnectionRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { entityRef, paging, queryString } from '../../http/query.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { classOperations } from '../crud.js';
import { created, message } from '../http.js';
import { idOrName, type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

const connectionBody = {
  type: 'object',
  properties: {
    name: nameField('connection'),
    class: { type: 'string' },
    config: { type: 'object' },
    metadata: metadataField,
  },
};

/** The connection of a path that Fusio lets name it loosely: an id, `~name`, or a plain name. */
export function connectionRef(raw: string | undefined): EntityRef {
  if (!raw) throw badRequest('Provided no connection');
  if (/^\d+$/.test(raw)) return { id: Number(raw) };
  const name = raw.startsWith('~') ? raw.slice(1) : raw;
  try {
    return { name: decodeURIComponent(name) };
  } catch {
    return { name };
  }
}

function view(call: SystemCall, row: ConnectionRow, withConfig: boolean): BackendConnection {
  const connection: BackendConnection = { id: row.id, name: row.name, class: row.class };
  if (withConfig) connection.config = call.platform.connectionConfigs.shownConfig(row);
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) connection.metadata = metadata;
  return connection;
}

export const connectionOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.getAll',
    method: 'GET',
    path: '/backend/connection',
    handler(call) {
      const { platform, request } = call;
      return platform.connectionConfigs.page(
        platform.db,
        paging(request.query),
        (row) => view(call, row, false),
        queryString(request.query, 'class'),
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
    async handler(call) {
      const repository = call.platform.connectionConfigs;
      const body = call.request.body as BackendConnection & { name: string; class: string };
      // tested before the unit opens: a connection test may take seconds, a transaction must not wait on it
      const checked = await repository.checkNew(call.platform.db, body);
      const id = await call.platform.changes.write(call, (unit) => repository.create(unit, checked));
      return created('Connection successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.connection.test',
    method: 'POST',
    path: '/backend/connection/test',
    description: 'Tries a connection config against its system without storing it (Portico)',
    incoming: {
      type: 'object',
      properties: { id: { type: 'integer', minimum: 1 }, class: { type: 'string' }, config: { type: 'object' } },
      required: ['class'],
    },
    auditBody: (body, platform) => maskConfigSecrets(body, platform.connections.registry),
    async handler(call) {
      const body = call.request.body as { id?: number; class: string; config?: Record<string, unknown> };
      await call.platform.connectionConfigs.test(call.platform.db, {
        ...(body.id === undefined ? {} : { id: body.id }),
        className: body.class,
        config: body.config ?? {},
      });
      return message('Connection works');
    },
  }),
  ...classOperations({
    entity: 'connection',
    label: 'Connection',
    listKey: 'connections',
    withDescription: true,
    types: (platform) => platform.connections.registry.list(),
    find: (platform, className) => platform.connections.registry.get(className),
    form: (type) => formFromSchema(type.config),
  }),
  systemOperation({
    name: 'backend.connection.get',
    method: 'GET',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      return view(
        call,
        await platform.connectionConfigs.find(platform.db, entityRef(request.params.connection_id)),
        true,
      );
    },
  }),
  systemOperation({
    name: 'backend.connection.update',
    method: 'PUT',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    incoming: connectionBody,
    auditBody: (body, platform) => maskConfigSecrets(body, platform.connections.registry),
    async handler(call) {
      const repository = call.platform.connectionConfigs;
      const ref = entityRef(call.request.params.connection_id);
      const checked = await repository.checkChange(call.platform.db, ref, call.request.body as BackendConnection);
      const id = await call.platform.changes.write(call, (unit) => repository.update(unit, ref, checked));
      return message('Connection successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.connection.delete',
    method: 'DELETE',
    path: `/backend/connection/$connection_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.connection_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.connectionConfigs.delete(unit, ref));
      return message('Connection successfully deleted', id);
    },
  }),
];
