import type { BackendUser, BackendUserCreate } from 'fusio-sdk';
import { assertMayGrantAdministrative, roleScopes, userScopes } from '../../auth/scopes.js';
import { type UserRow, UserStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { planScopes } from '../../plans/plans.js';
import { metadataField, nameField, rule, typed } from '../../schema/fragments.js';
import { type NewUser, type UserInput, userView } from '../../users/repository.js';
import { entityOperations } from '../crud.js';
import type { Platform } from '../platform.js';
import type { SystemOperation } from '../system-operation.js';

const userBody = {
  type: 'object',
  properties: {
    roleId: { type: 'integer' },
    planId: { type: ['integer', 'null'] },
    status: { type: 'integer' },
    name: nameField('user', { max: 64, also: '-_.' }),
    email: { type: 'string' },
    password: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    metadata: metadataField,
    points: typed('integer', rule('Points must be a whole number from 0 up', { minimum: 0, maximum: 2_147_483_647 })),
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

function summary(row: UserRow): BackendUser {
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
}

export const userOperations: SystemOperation[] = entityOperations<UserRow, NewUser, UserInput>({
  entity: 'user',
  label: 'User',
  store: (platform) => platform.users,
  body: userBody,
  required: ['roleId', 'name', 'email', 'password'],
  // the admin app asks who is on a plan or has a role before it deletes one
  filters: { planId: ['equals', 'plan_id'], roleId: ['equals', 'role_id'] },
  summary,
  detail: (row, platform) => userView(platform, row, true),
  prepare: {
    async create(raw, { platform, caller }) {
      const body = raw as BackendUserCreate;
      await assertMayGiveRights(platform, caller.scopes, body);
      return platform.users.prepare({
        roleId: body.roleId,
        planId: body.planId ?? null,
        status: body.status ?? UserStatus.active,
        name: body.name,
        email: body.email,
        password: body.password,
        scopes: body.scopes,
        metadata: body.metadata,
      });
    },
    async update(raw, { platform, caller }, ref) {
      const body = raw as BackendUser;
      await assertMayManage(platform, caller.scopes, await platform.users.find(platform.db, ref));
      await assertMayGiveRights(platform, caller.scopes, body);
      return {
        roleId: body.roleId,
        planId: body.planId,
        status: body.status,
        name: body.name,
        email: body.email,
        scopes: body.scopes,
        metadata: body.metadata,
        points: body.points,
      };
    },
    async delete({ platform, caller }, ref) {
      const target = await platform.users.find(platform.db, ref);
      if (target.id === caller.user?.id) throw badRequest('You cannot delete your own account');
      await assertMayManage(platform, caller.scopes, target);
    },
  },
});
