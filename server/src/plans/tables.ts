import type { Generated, Selectable } from 'kysely';

/** A plan: scopes and points a developer subscribes to (migration 2026-11-28i-plans). */
export interface PlanTable {
  id: Generated<number>;
  name: string;
  description: string;
  /** minor units (cents) */
  price: number;
  /** credited once for a one-time plan, every period for a subscription */
  points: number;
  /** Fusio's interval: 0 or null = one-time, 1 = subscription */
  period_type: number | null;
  /** the provider's product or price id (a Stripe price) */
  external_id: string | null;
  metadata: string | null;
  updated_at: number;
}

/** Points one call cost (Fusio's fusio_plan_usage). */
export interface PlanUsageTable {
  id: Generated<number>;
  operation_id: number;
  user_id: number;
  app_id: number | null;
  points: number;
  date: number;
}

/** Points credited to a user: a payment, or a new period of a free plan. */
export interface TransactionTable {
  id: Generated<number>;
  user_id: number;
  plan_id: number;
  provider: string;
  /** unique: the provider's id of the payment, so it is credited once */
  transaction_id: string;
  /** minor units (cents) */
  amount: number;
  points: number;
  period_start: number | null;
  period_end: number | null;
  created_at: number;
}

/** A webhook event already applied; a replay of it changes nothing. */
export interface PaymentEventTable {
  id: Generated<number>;
  provider: string;
  event_id: string;
  type: string;
  created_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    plans: PlanTable;
    plan_usages: PlanUsageTable;
    transactions: TransactionTable;
    payment_events: PaymentEventTable;
  }
}

export type PlanRow = Selectable<PlanTable>;
export type TransactionRow = Selectable<TransactionTable>;

/** Fusio's ProductInterface intervals. */
export const PlanPeriod = { oneTime: 0, subscription: 1 } as const;

export function isSubscription(plan: Pick<PlanRow, 'period_type'>): boolean {
  return plan.period_type === PlanPeriod.subscription;
}
