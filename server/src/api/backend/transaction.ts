import { collection, containsIgnoreCase } from '../../db/listing.js';
import { notFound } from '../../errors.js';
import { filterByQuery, paging } from '../../http/query.js';
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
      base = filterByQuery(base, q, {
        from: ['since', 'created_at'],
        to: ['until', 'created_at'],
        planId: ['equals', 'plan_id'],
        userId: ['equals', 'user_id'],
        provider: ['is', 'provider', (value) => value.toLowerCase()],
      });
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
