import type { BackendToken } from 'fusio-sdk';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import type { TokenRow } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { filterByQuery, paging } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

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

export const tokenOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.token.getAll',
    method: 'GET',
    path: '/backend/token',
    async handler({ platform, request }) {
      const q = request.query;
      const page = paging(q);
      let query = platform.db.selectFrom('tokens');
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      query = filterByQuery(query, q, {
        from: ['since', 'created_at'],
        to: ['until', 'created_at'],
        appId: ['equals', 'app_id'],
        userId: ['equals', 'user_id'],
        status: ['equals', 'status'],
        scope: ['contains', 'scope'],
        ip: ['is', 'ip'],
      });
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'backend.token.get',
    method: 'GET',
    path: '/backend/token/$token_id<[0-9]+>',
    async handler({ platform, request }) {
      const row = await platform.db
        .selectFrom('tokens')
        .selectAll()
        .where('id', '=', Number(request.params.token_id))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find token');
      return view(row);
    },
  }),
];
