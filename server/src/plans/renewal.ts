import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { UserStatus } from '../db/schema.js';
import { PlanPeriod } from './tables.js';
import { credit, once } from './transactions.js';

/** Transactions of free plans carry this provider name. */
export const renewalProvider = 'renewal';

/** One calendar month later in UTC; the 31st becomes the last day of a shorter month. */
export function addMonth(millis: number): number {
  const d = new Date(millis);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + 1);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

/** The period containing `now` in the chain of monthly periods that follows `lastEnd`. */
export function currentPeriod(lastEnd: number | null, now: number): { start: number; end: number } {
  if (lastEnd === null || lastEnd > now) return { start: now, end: addMonth(now) };
  let start = lastEnd;
  let end = addMonth(start);
  // periods nobody was there for (the platform was down) are skipped, not credited
  while (end <= now) {
    start = end;
    end = addMonth(start);
  }
  return { start, end };
}

export interface RenewalResult {
  credited: number;
}

/**
 * Points of plans without a price, which no payment provider will ever credit: a subscription plan (period
 * 1) credits its points at the start of every monthly period a user is on it, a one-time plan once per user.
 * Every node may run this at the same time; the transaction id names the user, plan and period, so each
 * period is credited once.
 */
export async function renewFreePlans(
  db: Kysely<Database>,
  now = Date.now(),
  options: { userId?: number; batch?: number } = {},
): Promise<RenewalResult> {
  const batch = options.batch ?? 500;
  let credited = 0;
  let after = 0;
  for (;;) {
    const lastAt = sql<number | null>`max(${sql.ref('transactions.created_at')})`;
    const lastEnd = sql<number | null>`max(${sql.ref('transactions.period_end')})`;
    let query = db
      .selectFrom('users')
      .innerJoin('plans', 'plans.id', 'users.plan_id')
      .leftJoin('transactions', (join) =>
        join
          .onRef('transactions.user_id', '=', 'users.id')
          .onRef('transactions.plan_id', '=', 'plans.id')
          .on('transactions.provider', '=', renewalProvider),
      )
      .select(['users.id as userId', 'plans.id as planId', 'plans.points', 'plans.period_type as periodType'])
      .select([lastAt.as('lastAt'), lastEnd.as('lastEnd')])
      .where('users.status', '=', UserStatus.active)
      .where('users.id', '>', after)
      .where('plans.price', '=', 0)
      .where('plans.points', '>', 0)
      .groupBy(['users.id', 'plans.id', 'plans.points', 'plans.period_type'])
      .having((eb) =>
        eb.or([
          eb(lastAt, 'is', null),
          eb.and([
            eb('plans.period_type', '=', PlanPeriod.subscription),
            eb.or([eb(lastEnd, 'is', null), eb(lastEnd, '<=', now)]),
          ]),
        ]),
      )
      .orderBy('users.id')
      .limit(batch);
    if (options.userId !== undefined) query = query.where('users.id', '=', options.userId);
    const due = await query.execute();
    for (const row of due) {
      const subscription = row.periodType === PlanPeriod.subscription;
      const period = subscription ? currentPeriod(row.lastEnd === null ? null : Number(row.lastEnd), now) : null;
      const applied = await once(db, (trx) =>
        credit(
          trx,
          {
            userId: row.userId,
            planId: row.planId,
            provider: renewalProvider,
            transactionId: `${renewalProvider}:${row.userId}:${row.planId}:${period ? period.start : 'once'}`,
            amount: 0,
            points: row.points,
            periodStart: period?.start ?? null,
            periodEnd: period?.end ?? null,
          },
          now,
        ),
      );
      if (applied) credited++;
    }
    if (due.length < batch) return { credited };
    after = (due[due.length - 1] as { userId: number }).userId;
  }
}
