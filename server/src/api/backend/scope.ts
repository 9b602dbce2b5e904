import type { BackendScope, BackendScopeCategories } from 'fusio-sdk';
import type { ScopeRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import type { ScopeInput } from '../../scopes/repository.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const scopeBody = {
  type: 'object',
  properties: {
    name: nameField('scope', { max: 64, also: '-_.' }),
    description: { type: 'string' },
    operations: {
      type: 'array',
      items: { type: 'object', properties: { operationId: { type: 'integer' }, allow: { type: 'boolean' } } },
    },
    metadata: metadataField,
  },
};

export const scopeOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.scope.getAll',
    method: 'GET',
    path: '/backend/scope',
    handler({ platform, request }) {
      return platform.scopes.page(
        platform.db,
        paging(request.query),
        (row): BackendScope => ({ id: row.id, name: row.name, description: row.description }),
      );
    },
  }),
  systemOperation({
    name: 'backend.scope.create',
    method: 'POST',
    path: '/backend/scope',
    httpCode: 201,
    incoming: { ...scopeBody, required: ['name'] },
    async handler(call) {
      const body = call.request.body as ScopeInput & { name: string };
      const id = await call.platform.changes.write(call, (unit) => call.platform.scopes.create(unit, body));
      return created('Scope successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.scope.getCategories',
    method: 'GET',
    path: '/backend/scope/categories',
    async handler({ platform }): Promise<BackendScopeCategories> {
      const categories = await platform.scopes.byCategory(platform.db);
      return {
        categories: categories.map((c) => ({
          id: c.id,
          name: c.name,
          scopes: c.scopes.map((s) => ({ id: s.id, name: s.name, description: s.description })),
        })),
      };
    },
  }),
  systemOperation({
    name: 'backend.scope.get',
    method: 'GET',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await platform.scopes.find(platform.db, entityRef(request.params.scope_id));
      return view(row, await platform.scopes.operations(platform.db, row.id));
    },
  }),
  systemOperation({
    name: 'backend.scope.update',
    method: 'PUT',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    incoming: scopeBody,
    async handler(call) {
      const ref = entityRef(call.request.params.scope_id);
      const body = call.request.body as ScopeInput;
      const id = await call.platform.changes.write(call, (unit) => call.platform.scopes.update(unit, ref, body));
      return message('Scope successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.scope.delete',
    method: 'DELETE',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.scope_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.scopes.delete(unit, ref));
      return message('Scope successfully deleted', id);
    },
  }),
];

function view(row: ScopeRow, operations: { operation_id: number; allow: number }[]): BackendScope {
  const scope: BackendScope = {
    id: row.id,
    name: row.name,
    description: row.description,
    operations: operations.map((o) => ({ operationId: o.operation_id, allow: o.allow === 1 })),
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) scope.metadata = metadata;
  return scope;
}
