import type { BackendRole } from 'fusio-sdk';
import type { RoleRow } from '../../db/schema.js';
import type { RoleInput } from '../../roles/repository.js';
import { nameField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

const summary = (row: RoleRow): BackendRole => ({ id: row.id, categoryId: row.category_id, name: row.name });

export const roleOperations: SystemOperation[] = entityOperations<RoleRow, RoleInput & { name: string }, RoleInput>({
  entity: 'role',
  label: 'Role',
  store: (platform) => platform.roles,
  body: {
    type: 'object',
    properties: {
      categoryId: { type: 'integer' },
      name: nameField('role', { max: 64, also: ' -_' }),
      scopes: { type: 'array', items: { type: 'string' } },
    },
  },
  required: ['name'],
  summary,
  async detail(row, platform): Promise<BackendRole> {
    return { ...summary(row), scopes: await platform.roles.scopes(platform.db, row.id) };
  },
});
