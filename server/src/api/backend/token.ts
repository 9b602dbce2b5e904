import type { BackendToken } from 'fusio-sdk';
import { EntityTable } from '../../db/entity-table.js';
import type { TokenRow } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { recordOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

function view(row: TokenRow): BackendToken & { userId: number; appId?: number } {
  const token: BackendToken & { userId: number; appId?: number } = {
    id: row.id,
    status: row.status,
    name: row.name ?? '',
    scopes: row.scope ? row.scope.split(',') : [],
    ip: row.ip,
    expire: isoDate(row.expire),
    date: isoDate(row.created_at),
    userId: row.user_id,
  };
  if (row.app_id !== null) token.appId = row.app_id;
  return token;
}

export const tokenOperations: SystemOperation[] = recordOperations({
  names: { getAll: 'backend.token.getAll', get: 'backend.token.get' },
  path: '/backend/token',
  param: 'token_id',
  table: new EntityTable({ table: 'tokens', label: 'token' }),
  filters: {
    from: ['since', 'created_at'],
    to: ['until', 'created_at'],
    appId: ['equals', 'app_id'],
    userId: ['equals', 'user_id'],
    status: ['equals', 'status'],
    scope: ['contains', 'scope'],
    ip: ['is', 'ip'],
  },
  summary: view,
});
