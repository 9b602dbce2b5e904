import type { ConsumerLog } from 'fusio-sdk';
import type { ExpressionBuilder } from 'kysely';
import { collection, containsIgnoreCase } from '../../db/listing.js';
import { Category, type Database } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { paging } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

interface LogRowView {
  id: number;
  app_id: number | null;
  ip: string;
  user_agent: string;
  method: string;
  path: string;
  date: number;
}

function view(row: LogRowView): ConsumerLog {
  const log: ConsumerLog = {
    id: row.id,
    ip: row.ip,
    userAgent: row.user_agent,
    method: row.method,
    path: row.path,
    date: isoDate(row.date),
  };
  if (row.app_id !== null) log.appId = row.app_id;
  return log;
}

/** Calls to the API made by the developer, or by anyone through one of the developer's apps. */
function ownCalls(userId: number) {
  return (eb: ExpressionBuilder<Database, 'logs'>) =>
    eb.and([
      eb('logs.category_id', '=', Category.default),
      eb.or([
        eb('logs.user_id', '=', userId),
        eb('logs.app_id', 'in', eb.selectFrom('apps').select('apps.id').where('apps.user_id', '=', userId)),
      ]),
    ]);
}

/** How far back the developer's call list goes. */
export const consumerLogWindowMs = 30 * 86_400_000;

const listColumns = ['id', 'app_id', 'ip', 'user_agent', 'method', 'path', 'date'] as const;

export const consumerLogOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.log.getAll',
    method: 'GET',
    path: '/consumer/log',
    async handler(call) {
      const { platform, request } = call;
      const page = paging(request.query);
      // the last 30 days: what a developer looks for, and what the logs' covering index answers quickly
      let base = platform.db
        .selectFrom('logs')
        .where(ownCalls(currentUserId(call)))
        .where('logs.date', '>=', Date.now() - consumerLogWindowMs);
      if (page.search) base = base.where(containsIgnoreCase('path', page.search));
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .select([...listColumns])
        .orderBy('id', page.sortOrder ?? 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(Number(total.n), page, rows.map(view));
    },
  }),
  systemOperation({
    name: 'consumer.log.get',
    method: 'GET',
    path: '/consumer/log/$log_id<[0-9]+>',
    async handler(call) {
      const { platform, request } = call;
      const row = await platform.db
        .selectFrom('logs')
        .select([...listColumns, 'header', 'body'])
        .where('id', '=', Number(request.params.log_id))
        .where(ownCalls(currentUserId(call)))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find log');
      const log = view(row);
      log.header = row.header;
      if (row.body !== null) log.body = row.body;
      return log;
    },
  }),
];
