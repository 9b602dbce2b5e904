import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { isSubscription, type PlanRow } from '../plans/tables.js';
import { AlreadyApplied, credit, isUniqueViolation, once } from '../plans/transactions.js';
import type { PaymentAction, PaymentEvent } from './provider.js';

/** applied: it changed something; duplicate: it was applied before; ignored: it concerns nobody here. */
export type EventOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Applies a verified webhook event in one database transaction, together with the record that it was
 * applied: a replayed event (same event id), or a second event for the same payment (invoice.paid and
 * invoice.payment_succeeded name the same invoice), credits nothing.
 */
export async function applyPaymentEvent(
  db: Kysely<Database>,
  provider: string,
  event: PaymentEvent,
  logger: Logger,
  now = Date.now(),
): Promise<EventOutcome> {
  let outcome: EventOutcome = 'ignored';
  const applied = await once(db, async (trx) => {
    try {
      await trx
        .insertInto('payment_events')
        .values({ provider, event_id: event.id.slice(0, 255), type: event.type.slice(0, 64), created_at: now })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AlreadyApplied();
      throw error;
    }
    if (event.action) outcome = (await apply(trx, provider, event.action, logger, now)) ? 'applied' : 'ignored';
  });
  return applied ? outcome : 'duplicate';
}

async function findPlan(db: Kysely<Database>, planId: number | null): Promise<PlanRow | undefined> {
  if (planId === null) return undefined;
  return db.selectFrom('plans').selectAll().where('id', '=', planId).executeTakeFirst();
}

async function apply(
  trx: Kysely<Database>,
  provider: string,
  action: PaymentAction,
  logger: Logger,
  now: number,
): Promise<boolean> {
  switch (action.kind) {
    case 'checkout-completed': {
      const user = await trx.selectFrom('users').select('id').where('id', '=', action.userId).executeTakeFirst();
      const plan = await findPlan(trx, action.planId);
      if (!user || !plan) {
        logger.warn(
          { provider, userId: action.userId, planId: action.planId },
          'paid checkout for an unknown user or plan',
        );
        return false;
      }
      if (isSubscription(plan)) {
        // the subscription's invoices credit the points; the checkout makes the user a subscriber
        await trx
          .updateTable('users')
          .set({ plan_id: plan.id, external_id: action.customerId })
          .where('id', '=', user.id)
          .execute();
        return true;
      }
      await trx.updateTable('users').set({ external_id: action.customerId }).where('id', '=', user.id).execute();
      await credit(
        trx,
        {
          userId: user.id,
          planId: plan.id,
          provider,
          transactionId: action.sessionId,
          amount: action.amount,
          points: plan.points,
          periodStart: null,
          periodEnd: null,
        },
        now,
      );
      return true;
    }
    case 'invoice-paid': {
      // the subscription's metadata names the user even when the invoice arrives before the checkout
      const byMetadata =
        action.userId === null
          ? undefined
          : await trx.selectFrom('users').select(['id', 'plan_id']).where('id', '=', action.userId).executeTakeFirst();
      const user =
        byMetadata ??
        (await trx
          .selectFrom('users')
          .select(['id', 'plan_id'])
          .where('external_id', '=', action.customerId)
          .orderBy('id')
          .executeTakeFirst());
      const plan = (await findPlan(trx, action.planId)) ?? (await findPlan(trx, user?.plan_id ?? null));
      if (!user || !plan) {
        logger.warn({ provider, invoiceId: action.invoiceId }, 'paid invoice for an unknown customer or plan');
        return false;
      }
      await trx
        .updateTable('users')
        .set({ plan_id: plan.id, external_id: action.customerId })
        .where('id', '=', user.id)
        .execute();
      await credit(
        trx,
        {
          userId: user.id,
          planId: plan.id,
          provider,
          transactionId: action.invoiceId,
          amount: action.amount,
          points: plan.points,
          periodStart: action.periodStart,
          periodEnd: action.periodEnd,
        },
        now,
      );
      return true;
    }
    case 'subscription-ended': {
      const result = await trx
        .updateTable('users')
        .set({ plan_id: null })
        .where('external_id', '=', action.customerId)
        .where('plan_id', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    }
  }
}
