import type { ConsumerLog } from 'fusio-sdk';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { collection, containsIgnoreCase } from '../../db/listing.js';
import { type Database, platformCategoryIds } from '../../db/schema.js';
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
      eb('logs.category_id', 'not in', platformCategoryIds),
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
      const db = platform.db;
      const userId = currentUserId(call);
      // the last 30 days: what a developer looks for. The developer's own calls and their apps' calls are
      // read from the indexes that start with user_id and app_id (migration 2026-12-04g), one source at a
      // time, so a developer's page costs their rows only, never the other developers' millions.
      const since = Date.now() - consumerLogWindowMs;
      const apps = (await db.selectFrom('apps').select('id').where('user_id', '=', userId).execute()).map((a) => a.id);
      const recent = (eb: ExpressionBuilder<Database, 'logs'>) => {
        const conditions: Expression<SqlBool>[] = [
          eb('logs.category_id', 'not in', platformCategoryIds),
          eb('logs.date', '>=', since),
        ];
        if (page.search) conditions.push(containsIgnoreCase('path', page.search));
        return eb.and(conditions);
      };
      const byUser = db.selectFrom('logs').where(recent).where('logs.user_id', '=', userId);
      /** calls through one of the developer's apps that the developer did not make themselves (counted once) */
      const byApps = db
        .selectFrom('logs')
        .where(recent)
        .where('logs.app_id', 'in', apps.length > 0 ? apps : [0])
        .where((eb) => eb.or([eb('logs.user_id', 'is', null), eb('logs.user_id', '!=', userId)]));
      const counts = await Promise.all(
        [byUser, byApps].map((q) => q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()),
      );
      const total = counts.reduce((sum, c) => sum + Number(c.n), 0);
      if (page.startIndex >= total) return collection(total, page, []);
      const descending = (page.sortOrder ?? 'desc') === 'desc';
      const direction = descending ? 'desc' : 'asc';
      const wanted = page.startIndex + page.count;
      // the first `wanted` of each source in the order asked, merged: no offset into the whole log
      const sources = [byUser, ...apps.map((appId) => byApps.where('logs.app_id', '=', appId))];
      const heads = await Promise.all(
        sources.map((q) =>
          q
            .select(['logs.id', 'logs.date'])
            .orderBy('logs.date', direction)
            .orderBy('logs.id', direction)
            .limit(wanted)
            .execute(),
        ),
      );
      const seen = new Set<number>();
      const merged = heads
        .flat()
        .filter((r) => !seen.has(r.id) && seen.add(r.id))
        .sort((a, b) => (Number(a.date) - Number(b.date) || a.id - b.id) * (descending ? -1 : 1))
        .slice(page.startIndex, wanted);
      const ids = merged.map((r) => r.id);
      const rows = ids.length
        ? await db
            .selectFrom('logs')
            .select([...listColumns])
            .where('id', 'in', ids)
            .execute()
        : [];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return collection(
        total,
        page,
        ids.flatMap((id) => {
          const row = byId.get(id);
          return row ? [view(row)] : [];
        }),
      );
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
