import { collection, containsIgnoreCase } from '../../db/listing.js';
import { notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import type { TransactionRow } from '../../plans/tables.js';
import { consumerTransactionView } from '../../plans/transactions.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

/** A developer's own transactions: payments and the periods of free plans. */
export const consumerTransactionOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.transaction.getAll',
    method: 'GET',
    path: '/consumer/transaction',
    async handler(call) {
      const { platform, request } = call;
      const page = paging(request.query);
      let base = platform.db.selectFrom('transactions').where('user_id', '=', currentUserId(call));
      if (page.search) base = base.where(containsIgnoreCase('transaction_id', page.search));
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy('id', page.sortOrder ?? 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(
        Number(total.n),
        page,
        rows.map((row) => consumerTransactionView(row)),
      );
    },
  }),
  systemOperation({
    name: 'consumer.transaction.get',
    method: 'GET',
    path: `/consumer/transaction/$transaction_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      const ref = entityRef(request.params.transaction_id);
      let query = platform.db.selectFrom('transactions').selectAll().where('user_id', '=', currentUserId(call));
      query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('transaction_id', '=', ref.name);
      const row: TransactionRow | undefined = await query.executeTakeFirst();
      if (!row) throw notFound('Could not find transaction');
      const plan = await platform.db.selectFrom('plans').selectAll().where('id', '=', row.plan_id).executeTakeFirst();
      return consumerTransactionView(row, plan);
    },
  }),
];
