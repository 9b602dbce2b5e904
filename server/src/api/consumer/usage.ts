import { AppStatus } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import { queryInt, queryString } from '../../http/query.js';
import { developerUsage, usageRange } from '../../statistics/usage.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

/** Portico's extension for the developer portal's usage charts; guarded like the call log it sums up. */
export const consumerUsageOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.usage.get',
    method: 'GET',
    path: '/consumer/usage',
    scope: 'consumer.log',
    description:
      "The caller's calls per day (UTC) by status class and by operation; from/to as YYYY-MM-DD (default the last 30 days), optional appId",
    async handler(call) {
      const { platform, request } = call;
      const userId = currentUserId(call);
      const range = usageRange(queryString(request.query, 'from'), queryString(request.query, 'to'));
      const appId = queryInt(request.query, 'appId');
      if (appId !== undefined) {
        const app = await platform.db
          .selectFrom('apps')
          .select('id')
          .where('id', '=', appId)
          .where('user_id', '=', userId)
          .where('status', '!=', AppStatus.deleted)
          .executeTakeFirst();
        if (!app) throw notFound('Could not find app');
      }
      return developerUsage(platform, { userId, appId }, range);
    },
  }),
];
