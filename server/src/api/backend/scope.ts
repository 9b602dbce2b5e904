import type { BackendScope, BackendScopeCategories } from 'fusio-sdk';
import { isUserCategory, type ScopeRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import type { ScopeInput } from '../../scopes/repository.js';
import { entityOperations } from '../crud.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

const scopeBody = {
  type: 'object',
  properties: {
    name: nameField('scope', { max: 64, also: '-_.' }),
    description: { type: 'string' },
    categoryId: { type: 'integer', minimum: 1, 'x-error': 'Scope categoryId must be the id of a category' },
    operations: {
      type: 'array',
      items: { type: 'object', properties: { operationId: { type: 'integer' }, allow: { type: 'boolean' } } },
    },
    metadata: metadataField,
  },
};

/**
 * Portico's addition: the SDK's type has no category, so a scope names one only when it is in a category
 * an administrator made (not `default`, nor the platform's own).
 */
function withCategory(scope: BackendScope, row: ScopeRow): BackendScope {
  return row.category_id === 1 || !isUserCategory(row.category_id)
    ? scope
    : ({ ...scope, categoryId: row.category_id } as BackendScope);
}

export const scopeOperations: SystemOperation[] = [
  ...entityOperations<ScopeRow, ScopeInput & { name: string }, ScopeInput>({
    entity: 'scope',
    label: 'Scope',
    store: (platform) => platform.scopes,
    body: scopeBody,
    required: ['name'],
    summary: (row): BackendScope => withCategory({ id: row.id, name: row.name, description: row.description }, row),
    detail: async (row, platform) => view(row, await platform.scopes.operations(platform.db, row.id)),
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
  return withCategory(scope, row);
}
