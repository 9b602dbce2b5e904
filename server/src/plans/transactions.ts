import type { BackendTransaction, ConsumerTransaction } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { isoDate } from '../db/values.js';
import { consumerPlanView, priceOf } from './plans.js';
import type { PlanRow, TransactionRow } from './tables.js';

/** True for a duplicate key on any of the three system databases. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return (
    e.code === '23505' ||
    e.code === 'ER_DUP_ENTRY' ||
    e.errno === 1062 ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** Thrown inside a database transaction to roll it back when the work was done before. */
export class AlreadyApplied extends Error {
  constructor() {
    super('already applied');
  }
}

export interface Credit {
  userId: number;
  planId: number;
  provider: string;
  /** the provider's id of the payment; a second credit with the same id is refused */
  transactionId: string;
  /** minor units */
  amount: number;
  points: number;
  periodStart: number | null;
  periodEnd: number | null;
}

/**
 * Writes the transaction and adds its points to the user's balance in the caller's database transaction.
 * A transaction id seen before throws `AlreadyApplied`, so the caller rolls back and nothing is credited twice.
 */
export async function credit(trx: Kysely<Database>, entry: Credit, now = Date.now()): Promise<void> {
  try {
    await trx
      .insertInto('transactions')
      .values({
        user_id: entry.userId,
        plan_id: entry.planId,
        provider: entry.provider,
        transaction_id: entry.transactionId,
        amount: entry.amount,
        points: entry.points,
        period_start: entry.periodStart,
        period_end: entry.periodEnd,
        created_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new AlreadyApplied();
    throw error;
  }
  if (entry.points > 0) {
    await trx
      .updateTable('users')
      .set((eb) => ({ points: eb(eb.fn.coalesce('points', eb.lit(0)), '+', entry.points) }))
      .where('id', '=', entry.userId)
      .execute();
  }
}

/** Runs `work` in one database transaction; false (and nothing changed) when it was applied before. */
export async function once(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<void>): Promise<boolean> {
  try {
    await db.transaction().execute(work);
    return true;
  } catch (error) {
    if (error instanceof AlreadyApplied || isUniqueViolation(error)) return false;
    throw error;
  }
}

export function backendTransactionView(row: TransactionRow): BackendTransaction & { provider: string } {
  const view: BackendTransaction & { provider: string } = {
    id: row.id,
    userId: row.user_id,
    planId: row.plan_id,
    provider: row.provider,
    transactionId: row.transaction_id,
    amount: priceOf(row.amount),
    points: row.points,
    insertDate: isoDate(row.created_at),
  };
  if (row.period_start !== null) view.periodStart = isoDate(row.period_start);
  if (row.period_end !== null) view.periodEnd = isoDate(row.period_end);
  return view;
}

export function consumerTransactionView(row: TransactionRow, plan?: PlanRow): ConsumerTransaction {
  const view: ConsumerTransaction = {
    id: row.id,
    userId: row.user_id,
    planId: row.plan_id,
    transactionId: row.transaction_id,
    amount: priceOf(row.amount),
    points: row.points,
    insertDate: isoDate(row.created_at),
  };
  if (plan) view.plan = consumerPlanView(plan);
  if (row.period_start !== null) view.periodStart = isoDate(row.period_start);
  if (row.period_end !== null) view.periodEnd = isoDate(row.period_end);
  return view;
}
