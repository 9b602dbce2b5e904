import { collection, containsIgnoreCase } from '../../db/listing.js';
import { notFound } from '../../errors.js';
import { paging, queryDate, queryInt, queryString } from '../../http/query.js';
import { backendTransactionView } from '../../plans/transactions.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/** Every transaction: payments through a provider and the periods of free plans. */
export const transactionOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.transaction.getAll',
    method: 'GET',
    path: '/backend/transaction',
    async handler({ platform, request }) {
      const q = request.query;
      const page = paging(q);
      let base = platform.db.selectFrom('transactions');
      if (page.search) base = base.where(containsIgnoreCase('transaction_id', page.search));
      const from = queryDate(q, 'from');
      const to = queryDate(q, 'to');
      if (from !== undefined) base = base.where('created_at', '>=', from);
      if (to !== undefined) base = base.where('created_at', '<=', to);
      const planId = queryInt(q, 'planId');
      if (planId !== undefined) base = base.where('plan_id', '=', planId);
      const userId = queryInt(q, 'userId');
      if (userId !== undefined) base = base.where('user_id', '=', userId);
      const provider = queryString(q, 'provider');
      if (provider) base = base.where('provider', '=', provider.toLowerCase());
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy('id', page.sortOrder ?? 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(Number(total.n), page, rows.map(backendTransactionView));
    },
  }),
  systemOperation({
    name: 'backend.transaction.get',
    method: 'GET',
    path: '/backend/transaction/$transaction_id<[0-9]+>',
    async handler({ platform, request }) {
      const row = await platform.db
        .selectFrom('transactions')
        .selectAll()
        .where('id', '=', Number(request.params.transaction_id))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find transaction');
      return backendTransactionView(row);
    },
  }),
];
