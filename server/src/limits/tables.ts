import type { Generated, Selectable } from 'kysely';

/** A rate: how many requests a caller may make per timespan (migration 2026-11-28f-rates). */
export interface RateTable {
  id: Generated<number>;
  /** the rate with the highest priority among those whose allocation matches wins */
  priority: number;
  name: string;
  rate_limit: number;
  /** ISO-8601 duration, e.g. PT1H */
  timespan: string;
  metadata: string | null;
  updated_at: number;
}

/** Which requests a rate applies to; a null criterion matches anything. */
export interface RateAllocationTable {
  id: Generated<number>;
  rate_id: number;
  operation_id: number | null;
  user_id: number | null;
  plan_id: number | null;
  app_id: number | null;
  /** 1 = only callers with a token, 0 = only anonymous callers */
  authenticated: number | null;
}

declare module '../db/schema.js' {
  interface Database {
    rates: RateTable;
    rate_allocations: RateAllocationTable;
  }
}

export type RateRow = Selectable<RateTable>;
export type RateAllocationRow = Selectable<RateAllocationTable>;
