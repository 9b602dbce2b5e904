import { randomBytes } from 'node:crypto';
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { DeliveryStatus, type EventDeliveryRow, type EventMessageRow, MessageState } from './tables.js';

/**
 * Claiming work so that several nodes never take the same row at the same moment. A claim is one
 * guarded UPDATE: it only touches rows that are still free (waiting, or due with an expired lease) and
 * marks them with a fresh token, which is then read back. PostgreSQL and MariaDB pick candidates with
 * FOR UPDATE SKIP LOCKED so nodes take different rows instead of queueing on the same ones; SQLite has a
 * single writer, so its UPDATE is atomic by itself.
 */
export function claimToken(): string {
  return randomBytes(16).toString('hex');
}

/** Inside the fan-out transaction: marks up to `limit` waiting messages as taken and returns them. */
export async function claimWaitingMessages(
  trx: Transaction<Database>,
  dialect: DialectName,
  limit: number,
  token: string,
): Promise<EventMessageRow[]> {
  const set = { state: MessageState.fannedOut, claim_token: token };
  if (dialect === 'mysql') {
    // MariaDB cannot UPDATE … WHERE id IN (a LIMIT subquery of the same table)
    const rows = await trx
      .selectFrom('event_messages')
      .select('id')
      .where('state', '=', MessageState.waiting)
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return [];
    await trx
      .updateTable('event_messages')
      .set(set)
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('state', '=', MessageState.waiting)
      .execute();
  } else {
    let candidates = trx
      .selectFrom('event_messages')
      .select('id')
      .where('state', '=', MessageState.waiting)
      .orderBy('id')
      .limit(limit);
    if (dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
    await trx
      .updateTable('event_messages')
      .set(set)
      .where('id', 'in', candidates)
      .where('state', '=', MessageState.waiting)
      .execute();
  }
  return trx
    .selectFrom('event_messages')
    .selectAll()
    .where('claim_token', '=', token)
    .where('state', '=', MessageState.fannedOut)
    .orderBy('id')
    .execute();
}

function due(now: number) {
  return (eb: ExpressionBuilder<Database, 'event_deliveries'>) =>
    eb.and([
      eb('status', '=', DeliveryStatus.pending),
      eb('next_attempt_at', '<=', now),
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]),
    ]);
}

/**
 * Takes up to `limit` due deliveries for `leaseMs`: no other node touches them until the lease ends.
 * The attempt is counted here, so a delivery that crashes its node still runs out of attempts.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  dialect: DialectName,
  limit: number,
  leaseMs: number,
): Promise<EventDeliveryRow[]> {
  const now = Date.now();
  const token = claimToken();
  const set = { claim_token: token, lease_until: now + leaseMs, attempts: sql<number>`attempts + 1` };
  if (dialect === 'mysql') {
    // READ COMMITTED: no gap locks, so claims do not block or deadlock with new deliveries being inserted
    const claimed = await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        const rows = await trx
          .selectFrom('event_deliveries')
          .select('id')
          .where(due(now))
          .orderBy('next_attempt_at')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        if (rows.length === 0) return 0;
        await trx
          .updateTable('event_deliveries')
          .set(set)
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .where(due(now))
          .execute();
        return rows.length;
      });
    if (claimed === 0) return [];
  } else {
    let candidates = db
      .selectFrom('event_deliveries')
      .select('id')
      .where(due(now))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
    const result = await db
      .updateTable('event_deliveries')
      .set(set)
      .where('id', 'in', candidates)
      .where(due(now))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return [];
  }
  return db
    .selectFrom('event_deliveries')
    .selectAll()
    .where('claim_token', '=', token)
    .where('status', '=', DeliveryStatus.pending)
    .execute();
}
