import { EntityTable } from '../../db/entity-table.js';
import { backendTransactionView } from '../../plans/transactions.js';
import { recordOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

/** Every transaction: payments through a provider and the periods of free plans. */
export const transactionOperations: SystemOperation[] = recordOperations({
  names: { getAll: 'backend.transaction.getAll', get: 'backend.transaction.get' },
  path: '/backend/transaction',
  param: 'transaction_id',
  table: new EntityTable({ table: 'transactions', label: 'transaction', searchColumns: ['transaction_id'] }),
  filters: {
    from: ['since', 'created_at'],
    to: ['until', 'created_at'],
    planId: ['equals', 'plan_id'],
    userId: ['equals', 'user_id'],
    provider: ['is', 'provider', (value) => value.toLowerCase()],
  },
  summary: backendTransactionView,
});
