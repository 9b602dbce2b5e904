import type { BackendRole } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { revokeTokensBeyondRights } from '../../auth/rights.js';
import { assertMayGrantAdministrative, roleScopes, scopeIdsByName } from '../../auth/scopes.js';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { Category, type Database, type RoleRow, Status } from '../../db/schema.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const roleName = /^[a-zA-Z0-9\-_ ]{3,64}$/;
const builtIn = new Set(['Administrator', 'Backend', 'Consumer']);

const roleBody = {
  type: 'object',
  properties: {
    categoryId: { type: 'integer' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
};

async function findRole(platform: Platform, ref: EntityRef): Promise<RoleRow> {
  let query = platform.db.selectFrom('roles').selectAll().where('status', '=', Status.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find role');
  return row;
}

async function setScopes(db: Kysely<Database>, roleId: number, scopes: readonly string[]): Promise<void> {
  const ids = await scopeIdsByName(db, scopes);
  const unknown = scopes.filter((s) => !ids.has(s));
  if (unknown.length > 0) throw badRequest(`Scope ${unknown.join(', ')} does not exist`);
  await db.deleteFrom('role_scopes').where('role_id', '=', roleId).execute();
  if (ids.size > 0) {
    await db
      .insertInto('role_scopes')
      .values([...ids.values()].map((scopeId) => ({ role_id: roleId, scope_id: scopeId })))
      .execute();
  }
}

async function view(platform: Platform, row: RoleRow): Promise<BackendRole> {
  const scopes = await platform.db
    .selectFrom('role_scopes')
    .innerJoin('scopes', 'scopes.id', 'role_scopes.scope_id')
    .select('scopes.name')
    .where('role_scopes.role_id', '=', row.id)
    .orderBy('scopes.name')
    .execute();
  return { id: row.id, categoryId: row.category_id, name: row.name, scopes: scopes.map((s) => s.name) };
}

export const roleOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.role.getAll',
    method: 'GET',
    path: '/backend/role',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('roles').where('status', '=', Status.active);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, (row): BackendRole => ({ id: row.id, categoryId: row.category_id, name: row.name }));
    },
  }),
  systemOperation({
    name: 'backend.role.create',
    method: 'POST',
    path: '/backend/role',
    httpCode: 201,
    incoming: { ...roleBody, required: ['name'] },
    async handler({ platform, request, caller }) {
      const body = request.body as BackendRole;
      const name = body.name as string;
      assertMayGrantAdministrative(caller.scopes, body.scopes ?? []);
      if (!roleName.test(name)) throw badRequest('Invalid role name: use 3 to 64 letters, digits, spaces, "-" or "_"');
      if (await platform.db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirst()) {
        throw conflict('Role already exists');
      }
      const id = await platform.db.transaction().execute(async (trx) => {
        const id = await insertWithId(
          trx
            .insertInto('roles')
            .values({ name, category_id: body.categoryId ?? Category.default, status: Status.active }),
          platform.dialect,
        );
        await setScopes(trx, id, body.scopes ?? []);
        return id;
      });
      return created('Role successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.role.get',
    method: 'GET',
    path: `/backend/role/$role_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(platform, await findRole(platform, entityRef(request.params.role_id)));
    },
  }),
  systemOperation({
    name: 'backend.role.update',
    method: 'PUT',
    path: `/backend/role/$role_id<${idOrName}>`,
    incoming: roleBody,
    async handler({ platform, request, caller }) {
      const existing = await findRole(platform, entityRef(request.params.role_id));
      const body = request.body as BackendRole;
      // neither hand out nor take away administrative rights the caller's token does not hold
      assertMayGrantAdministrative(caller.scopes, [
        ...(body.scopes ?? []),
        ...(await roleScopes(platform.db, existing.id)),
      ]);
      const name = body.name ?? existing.name;
      if (name !== existing.name) {
        if (builtIn.has(existing.name)) throw badRequest('A built-in role cannot be renamed');
        if (!roleName.test(name)) throw badRequest('Invalid role name');
        if (await platform.db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirst()) {
          throw conflict('Role already exists');
        }
      }
      await platform.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('roles')
          .set({ name, category_id: body.categoryId ?? existing.category_id })
          .where('id', '=', existing.id)
          .execute();
        if (body.scopes !== undefined) await setScopes(trx, existing.id, body.scopes);
      });
      if (body.scopes !== undefined) {
        await revokeTokensBeyondRights(platform.db, platform.tokens, { roleId: existing.id });
      }
      return message('Role successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.role.delete',
    method: 'DELETE',
    path: `/backend/role/$role_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findRole(platform, entityRef(request.params.role_id));
      if (builtIn.has(existing.name)) throw badRequest('A built-in role cannot be deleted');
      const user = await platform.db
        .selectFrom('users')
        .select('id')
        .where('role_id', '=', existing.id)
        .executeTakeFirst();
      if (user) throw conflict('Role is assigned to users; give them another role first');
      await platform.db.deleteFrom('roles').where('id', '=', existing.id).execute();
      return message('Role successfully deleted', existing.id);
    },
  }),
];
