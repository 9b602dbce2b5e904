import type { BackendRole } from 'fusio-sdk';
import { entityRef, paging } from '../../http/query.js';
import type { RoleInput } from '../../roles/repository.js';
import { nameField } from '../../schema/fragments.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const roleBody = {
  type: 'object',
  properties: {
    categoryId: { type: 'integer' },
    name: nameField('role', { max: 64, also: ' -_' }),
    scopes: { type: 'array', items: { type: 'string' } },
  },
};

export const roleOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.role.getAll',
    method: 'GET',
    path: '/backend/role',
    handler({ platform, request }) {
      return platform.roles.page(
        platform.db,
        paging(request.query),
        (row): BackendRole => ({ id: row.id, categoryId: row.category_id, name: row.name }),
      );
    },
  }),
  systemOperation({
    name: 'backend.role.create',
    method: 'POST',
    path: '/backend/role',
    httpCode: 201,
    incoming: { ...roleBody, required: ['name'] },
    async handler(call) {
      const body = call.request.body as RoleInput & { name: string };
      const grantor = call.caller.scopes;
      const id = await call.platform.changes.write(call, (unit) => call.platform.roles.create(unit, body, grantor));
      return created('Role successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.role.get',
    method: 'GET',
    path: `/backend/role/$role_id<${idOrName}>`,
    async handler({ platform, request }): Promise<BackendRole> {
      const row = await platform.roles.find(platform.db, entityRef(request.params.role_id));
      const scopes = await platform.roles.scopes(platform.db, row.id);
      return { id: row.id, categoryId: row.category_id, name: row.name, scopes };
    },
  }),
  systemOperation({
    name: 'backend.role.update',
    method: 'PUT',
    path: `/backend/role/$role_id<${idOrName}>`,
    incoming: roleBody,
    async handler(call) {
      const ref = entityRef(call.request.params.role_id);
      const body = call.request.body as RoleInput;
      const grantor = call.caller.scopes;
      const id = await call.platform.changes.write(call, (unit) =>
        call.platform.roles.update(unit, ref, body, grantor),
      );
      return message('Role successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.role.delete',
    method: 'DELETE',
    path: `/backend/role/$role_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.role_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.roles.delete(unit, ref));
      return message('Role successfully deleted', id);
    },
  }),
];
