import type { BackendUser, BackendUserCreate } from 'fusio-sdk';
import { assertMayGrantAdministrative, roleScopes, userScopes } from '../../auth/scopes.js';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { type UserRow, UserStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import { planScopes } from '../../plans/plans.js';
import { createUser, deleteUser, findUser, updateUser, userView } from '../../users/repository.js';
import { created, message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const userBody = {
  type: 'object',
  properties: {
    roleId: { type: 'integer' },
    planId: { type: ['integer', 'null'] },
    status: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** The rights a user create or update hands out: its role's, its own and its plan's scopes. */
async function assertMayGiveRights(
  platform: Platform,
  callerScopes: readonly string[],
  body: { roleId?: number; planId?: number | null; scopes?: string[] },
): Promise<void> {
  const given = [...(body.scopes ?? [])];
  if (body.roleId !== undefined) given.push(...(await roleScopes(platform.db, body.roleId)));
  if (body.planId !== undefined && body.planId !== null) given.push(...(await planScopes(platform.db, body.planId)));
  assertMayGrantAdministrative(callerScopes, given);
}

/** Whoever holds administrative rights the caller's token lacks is out of its reach (no admin takeover). */
async function assertMayManage(platform: Platform, callerScopes: readonly string[], target: UserRow): Promise<void> {
  assertMayGrantAdministrative(callerScopes, await userScopes(platform.db, target.id, target.role_id));
}

export const userOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.user.getAll',
    method: 'GET',
    path: '/backend/user',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('users').where('status', '!=', UserStatus.deleted);
      const search = page.search;
      if (search)
        query = query.where((eb) => eb.or([containsIgnoreCase('name', search), containsIgnoreCase('email', search)]));
      return pageOf(query, page, (row): BackendUser => {
        const user: BackendUser = {
          id: row.id,
          roleId: row.role_id,
          status: row.status,
          name: row.name,
          date: isoDate(row.created_at),
        };
        if (row.plan_id !== null) user.planId = row.plan_id;
        if (row.email !== null) user.email = row.email;
        const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
        if (metadata) user.metadata = metadata;
        return user;
      });
    },
  }),
  systemOperation({
    name: 'backend.user.create',
    method: 'POST',
    path: '/backend/user',
    httpCode: 201,
    incoming: { ...userBody, required: ['roleId', 'name', 'email', 'password'] },
    async handler(call) {
      const { platform, request, caller } = call;
      const body = request.body as BackendUserCreate;
      await assertMayGiveRights(platform, caller.scopes, body);
      const id = await createUser(
        platform,
        {
          roleId: body.roleId,
          planId: body.planId ?? null,
          status: body.status ?? UserStatus.active,
          name: body.name,
          email: body.email,
          password: body.password,
          scopes: body.scopes,
          metadata: body.metadata,
        },
        call,
      );
      return created('User successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.user.get',
    method: 'GET',
    path: `/backend/user/$user_id<${idOrName}>`,
    async handler({ platform, request }) {
      return userView(platform, await findUser(platform, entityRef(request.params.user_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.user.update',
    method: 'PUT',
    path: `/backend/user/$user_id<${idOrName}>`,
    incoming: userBody,
    async handler(call) {
      const { platform, request, caller } = call;
      const body = request.body as BackendUser;
      const target = await findUser(platform, entityRef(request.params.user_id));
      await assertMayManage(platform, caller.scopes, target);
      await assertMayGiveRights(platform, caller.scopes, body);
      const id = await updateUser(
        platform,
        { id: target.id },
        {
          roleId: body.roleId,
          planId: body.planId,
          status: body.status,
          name: body.name,
          email: body.email,
          scopes: body.scopes,
          metadata: body.metadata,
        },
        call,
      );
      return message('User successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.user.delete',
    method: 'DELETE',
    path: `/backend/user/$user_id<${idOrName}>`,
    async handler(call) {
      const { platform, request, caller } = call;
      const target = await findUser(platform, entityRef(request.params.user_id));
      if (target.id === caller.user?.id) throw badRequest('You cannot delete your own account');
      await assertMayManage(platform, caller.scopes, target);
      const id = await deleteUser(platform, { id: target.id }, call);
      return message('User successfully deleted', id);
    },
  }),
];
