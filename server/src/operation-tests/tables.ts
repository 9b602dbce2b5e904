import type { Generated, Selectable } from 'kysely';

/** A stored test request of one operation (migration 2026-12-04c-tests): Fusio's `fusio_test`. */
export interface TestTable {
  id: Generated<number>;
  category_id: number;
  operation_id: number;
  /** TestStatus */
  status: number;
  message: string | null;
  /** the body of the last answer (cut to 64 KiB) */
  response: string | null;
  /** `id=1&name=x`: the values of the path's parameters */
  uri_fragments: string | null;
  /** `page=2`: the query string */
  parameters: string | null;
  /** `X-Tenant=a&Accept=application/json`: extra request headers */
  headers: string | null;
  /** JSON text of the body sent to POST, PUT and PATCH operations */
  body: string | null;
  updated_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    tests: TestTable;
  }
}

export type TestRow = Selectable<TestTable>;

/** Fusio's numbers (Table\Test). */
export const TestStatus = { pending: 1, success: 2, warning: 3, error: 4, skipped: 5, disabled: 6 } as const;

export const testStatusNames: Record<number, string> = {
  1: 'PENDING',
  2: 'SUCCESS',
  3: 'WARNING',
  4: 'ERROR',
  5: 'SKIPPED',
  6: 'DISABLED',
};
