import type { BackendScope, BackendScopeCategories } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { revokeTokensBeyondRights } from '../../auth/rights.js';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { Category, type Database, type ScopeRow, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const scopeName = /^[a-zA-Z0-9\-_.]{3,64}$/;
const reserved = new Set(['backend', 'consumer', 'authorization', 'openid', 'default']);

const scopeBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    operations: {
      type: 'array',
      items: { type: 'object', properties: { operationId: { type: 'integer' }, allow: { type: 'boolean' } } },
    },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

async function findScope(platform: Platform, ref: EntityRef): Promise<ScopeRow> {
  let query = platform.db.selectFrom('scopes').selectAll().where('status', '=', Status.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find scope');
  return row;
}

function assertEditable(row: ScopeRow): void {
  if (reserved.has(row.name) || row.category_id !== Category.default) {
    throw badRequest('This scope belongs to the system and cannot be changed');
  }
}

async function setOperations(
  db: Kysely<Database>,
  scopeId: number,
  operations: NonNullable<BackendScope['operations']>,
): Promise<void> {
  await db.deleteFrom('scope_operations').where('scope_id', '=', scopeId).execute();
  const ids = [...new Set(operations.map((o) => o.operationId).filter((id): id is number => typeof id === 'number'))];
  if (ids.length === 0) return;
  const known = await db
    .selectFrom('operations')
    .select('id')
    .where('id', 'in', ids)
    .where('category_id', '=', Category.default)
    .execute();
  const knownIds = new Set(known.map((k) => k.id));
  const missing = ids.filter((id) => !knownIds.has(id));
  if (missing.length > 0) throw badRequest(`Operation ${missing.join(', ')} does not exist`);
  await db
    .insertInto('scope_operations')
    .values(
      ids.map((id) => ({
        scope_id: scopeId,
        operation_id: id,
        allow: operations.find((o) => o.operationId === id)?.allow === false ? 0 : 1,
      })),
    )
    .execute();
}

async function view(platform: Platform, row: ScopeRow): Promise<BackendScope> {
  const operations = await platform.db
    .selectFrom('scope_operations')
    .select(['operation_id', 'allow'])
    .where('scope_id', '=', row.id)
    .orderBy('operation_id')
    .execute();
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

export const scopeOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.scope.getAll',
    method: 'GET',
    path: '/backend/scope',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('scopes').where('status', '=', Status.active);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, (row): BackendScope => ({ id: row.id, name: row.name, description: row.description }));
    },
  }),
  systemOperation({
    name: 'backend.scope.create',
    method: 'POST',
    path: '/backend/scope',
    httpCode: 201,
    incoming: { ...scopeBody, required: ['name'] },
    async handler({ platform, request }) {
      const body = request.body as BackendScope;
      const name = body.name as string;
      if (!scopeName.test(name)) throw badRequest('Invalid scope name: use 3 to 64 letters, digits, "-", "_" or "."');
      if (await platform.db.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst()) {
        throw conflict('Scope already exists');
      }
      const id = await platform.db.transaction().execute(async (trx) => {
        const id = await insertWithId(
          trx.insertInto('scopes').values({
            category_id: Category.default,
            status: Status.active,
            name,
            description: body.description ?? '',
            metadata: body.metadata ? JSON.stringify(body.metadata) : null,
          }),
          platform.dialect,
        );
        await setOperations(trx, id, body.operations ?? []);
        return id;
      });
      await platform.configChanged();
      return created('Scope successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.scope.getCategories',
    method: 'GET',
    path: '/backend/scope/categories',
    async handler({ platform }) {
      const [categories, scopes] = await Promise.all([
        platform.db.selectFrom('categories').select(['id', 'name']).orderBy('id').execute(),
        platform.db
          .selectFrom('scopes')
          .select(['id', 'name', 'description', 'category_id'])
          .where('status', '=', Status.active)
          .orderBy('name')
          .execute(),
      ]);
      const body: BackendScopeCategories = {
        categories: categories.map((c) => ({
          id: c.id,
          name: c.name,
          scopes: scopes
            .filter((s) => s.category_id === c.id)
            .map((s) => ({ id: s.id, name: s.name, description: s.description })),
        })),
      };
      return body;
    },
  }),
  systemOperation({
    name: 'backend.scope.get',
    method: 'GET',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(platform, await findScope(platform, entityRef(request.params.scope_id)));
    },
  }),
  systemOperation({
    name: 'backend.scope.update',
    method: 'PUT',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    incoming: scopeBody,
    async handler({ platform, request }) {
      const existing = await findScope(platform, entityRef(request.params.scope_id));
      assertEditable(existing);
      const body = request.body as BackendScope;
      const name = body.name ?? existing.name;
      if (name !== existing.name) {
        if (!scopeName.test(name)) throw badRequest('Invalid scope name');
        if (await platform.db.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst()) {
          throw conflict('Scope already exists');
        }
      }
      await platform.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('scopes')
          .set({
            name,
            description: body.description ?? existing.description,
            metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
          })
          .where('id', '=', existing.id)
          .execute();
        if (body.operations !== undefined) await setOperations(trx, existing.id, body.operations);
      });
      await platform.configChanged();
      return message('Scope successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.scope.delete',
    method: 'DELETE',
    path: `/backend/scope/$scope_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findScope(platform, entityRef(request.params.scope_id));
      assertEditable(existing);
      await platform.db.deleteFrom('scopes').where('id', '=', existing.id).execute();
      // a scope created again under the same name later must not revive the old tokens
      await revokeTokensBeyondRights(platform.db, platform.tokens, { scope: existing.name });
      await platform.configChanged();
      return message('Scope successfully deleted', existing.id);
    },
  }),
];
