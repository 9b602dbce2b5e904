import type { BackendTaxonomy, BackendTaxonomyMove } from 'fusio-sdk';
import { entityRef } from '../../http/query.js';
import type { TaxonomyInput } from '../../taxonomies/repository.js';
import type { TaxonomyRow } from '../../taxonomies/tables.js';
import { entityOperations } from '../crud.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const ids = { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 1024 };

const taxonomyBody = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 64 },
    parentId: { type: ['integer', 'null'], minimum: 0 },
  },
};

function view(row: TaxonomyRow): BackendTaxonomy {
  const taxonomy: BackendTaxonomy = { id: row.id, name: row.name };
  if (row.parent_id !== null) taxonomy.parentId = row.parent_id;
  return taxonomy;
}

/** Folders of the admin app (fusio-sdk BackendTaxonomyTag): create, list, nest, move entities into them. */
export const taxonomyOperations: SystemOperation[] = [
  ...entityOperations<TaxonomyRow, TaxonomyInput & { name: string }, TaxonomyInput>({
    entity: 'taxonomy',
    label: 'Taxonomy',
    store: (platform) => platform.taxonomies,
    body: taxonomyBody,
    required: ['name'],
    summary: view,
    detail: view,
    descriptions: {
      delete: 'Deletes a taxonomy; what it held (entities and nested taxonomies) moves to the top',
    },
  }),
  systemOperation({
    name: 'backend.taxonomy.move',
    method: 'POST',
    path: `/backend/taxonomy/$taxonomy_id<${idOrName}>`,
    description: 'Moves operations, actions, schemas, events, cronjobs and triggers (by id) into the taxonomy',
    incoming: {
      type: 'object',
      properties: {
        operations: ids,
        actions: ids,
        schemas: ids,
        events: ids,
        cronjobs: ids,
        triggers: ids,
      },
    },
    async handler(call) {
      const ref = entityRef(call.request.params.taxonomy_id);
      const body = call.request.body as BackendTaxonomyMove;
      const id = await call.platform.changes.write(call, (unit) => call.platform.taxonomies.move(unit, ref, body));
      return message('Taxonomy successfully moved', id);
    },
  }),
];
