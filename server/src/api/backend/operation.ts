import type { BackendOperation } from 'fusio-sdk';
import { collection, containsIgnoreCase } from '../../db/listing.js';
import { Category, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import {
  createOperation,
  deleteOperation,
  findOperation,
  operationView,
  updateOperation,
} from '../../services/operations.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const operationBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    active: { type: 'boolean' },
    public: { type: 'boolean' },
    stability: { type: 'integer' },
    description: { type: ['string', 'null'] },
    httpMethod: { type: 'string' },
    httpPath: { type: 'string' },
    httpCode: { type: 'integer' },
    parameters: { type: ['object', 'null'] },
    incoming: { type: ['string', 'null'] },
    outgoing: { type: ['string', 'null'] },
    throws: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
    action: { type: 'string' },
    costs: { type: ['integer', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export const operationOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.operation.getAll',
    method: 'GET',
    path: '/backend/operation',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db
        .selectFrom('operations')
        .where('category_id', '=', Category.default)
        .where('status', '=', Status.active);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
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
        rows.map((row): BackendOperation => {
          const entry: BackendOperation = {
            id: row.id,
            status: row.status,
            active: row.active === 1,
            public: row.public === 1,
            stability: row.stability,
            httpMethod: row.http_method,
            httpPath: row.http_path,
            httpCode: row.http_code,
            name: row.name,
            action: row.action,
          };
          const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
          if (metadata) entry.metadata = metadata;
          return entry;
        }),
      );
    },
  }),
  systemOperation({
    name: 'backend.operation.create',
    method: 'POST',
    path: '/backend/operation',
    httpCode: 201,
    incoming: operationBody,
    async handler({ platform, request }) {
      const id = await createOperation(platform, request.body as BackendOperation);
      return created('Operation successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.operation.get',
    method: 'GET',
    path: `/backend/operation/$operation_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await findOperation(platform.db, entityRef(request.params.operation_id));
      return operationView(platform.db, row);
    },
  }),
  systemOperation({
    name: 'backend.operation.update',
    method: 'PUT',
    path: `/backend/operation/$operation_id<${idOrName}>`,
    incoming: operationBody,
    async handler({ platform, request }) {
      const id = await updateOperation(
        platform,
        entityRef(request.params.operation_id),
        request.body as BackendOperation,
      );
      return message('Operation successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.operation.delete',
    method: 'DELETE',
    path: `/backend/operation/$operation_id<${idOrName}>`,
    async handler({ platform, request }) {
      const id = await deleteOperation(platform, entityRef(request.params.operation_id));
      return message('Operation successfully deleted', id);
    },
  }),
];
