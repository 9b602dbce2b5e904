import { describe, expect, it } from 'vitest';
import { RateTable } from './rate-table.js';
import { WindowCounter } from './sliding-window.js';
import type { RateAllocationRow, RateRow } from './tables.js';

let nextId = 1;
function rate(name: string, priority: number, limit = 10, timespan = 'PT1H'): RateRow {
  return { id: nextId++, name, priority, rate_limit: limit, timespan, metadata: null, updated_at: 0 };
}
function allocation(rateRow: RateRow, criteria: Partial<RateAllocationRow> = {}): RateAllocationRow {
  return {
    id: nextId++,
    rate_id: rateRow.id,
    operation_id: null,
    user_id: null,
    plan_id: null,
    app_id: null,
    authenticated: null,
    ...criteria,
  };
}

describe('RateTable selects the rate as Fusio does', () => {
  const fallback = rate('Default', 0);
  const anonymous = rate('Default-Anonymous', 4);
  const operation = rate('Operation', 5);
  const app = rate('App', 6);
  const plan = rate('Gold', 7);
  const user = rate('User', 8);
  const authenticatedOnOperation = rate('AuthOnOp', 9);
  const allocations = [
    allocation(fallback),
    allocation(anonymous, { authenticated: 0 }),
    allocation(operation, { operation_id: 100 }),
    allocation(app, { app_id: 7 }),
    allocation(plan, { plan_id: 3 }),
    allocation(user, { user_id: 42 }),
    allocation(authenticatedOnOperation, { operation_id: 200, authenticated: 1 }),
  ];
  const table = RateTable.compile(
    [fallback, anonymous, operation, app, plan, user, authenticatedOnOperation],
    allocations,
    new Map([[5, 3]]),
  );
  const pick = (operationId: number, userId: number | null, appId: number | null) =>
    table.select(operationId, userId, appId)?.name;

  it('uses the highest priority among matching allocations', () => {
    expect(pick(1, null, null)).toBe('Default-Anonymous');
    expect(pick(1, 1, null)).toBe('Default');
    expect(pick(100, null, null)).toBe('Operation');
    expect(pick(100, 1, 7)).toBe('App');
    expect(pick(1, 5, null)).toBe('Gold');
    expect(pick(100, 5, 7)).toBe('Gold');
    expect(pick(1, 42, 7)).toBe('User');
    expect(pick(200, null, null)).toBe('Default-Anonymous');
    expect(pick(200, 42, null)).toBe('AuthOnOp');
  });

  it('matches a plan only through the user’s plan', () => {
    expect(pick(1, 6, null)).toBe('Default');
    expect(RateTable.plansNamedIn(allocations)).toEqual([3]);
  });

  it('limits nothing without a matching allocation', () => {
    const only = rate('Only', 1);
    const t = RateTable.compile([only, rate('Unallocated', 9)], [allocation(only, { operation_id: 9 })], new Map());
    expect(t.select(9, null, null)?.name).toBe('Only');
    expect(t.select(10, null, null)).toBeNull();
  });

  it('breaks priority ties by the older rate, and leaves out rates it cannot read', () => {
    const older = rate('Older', 3);
    const newer = rate('Newer', 3);
    const broken = rate('Broken', 99, 10, 'one hour');
    const invalid: string[] = [];
    const t = RateTable.compile(
      [newer, older, broken],
      [allocation(newer), allocation(older), allocation(broken)],
      new Map(),
      RateTable.empty,
      (r) => invalid.push(r.name),
    );
    expect(t.select(1, null, null)?.name).toBe('Older');
    expect(invalid).toEqual(['Broken']);
  });

  it('builds the header values once and keeps counters across rebuilds unless the window changes', () => {
    const r = rate('Gold-Tier', 1, 100, 'PT1M');
    const first = RateTable.compile([r], [allocation(r)], new Map());
    const compiled = first.select(1, null, null);
    expect(compiled).toMatchObject({
      policyHeader: '"Gold-Tier";q=100;w=60',
      policyId: '"Gold-Tier"',
      limitText: '100',
      windowMs: 60_000,
      width: 1_000,
    });
    compiled?.counters.set(1, new WindowCounter());
    const same = RateTable.compile([{ ...r, rate_limit: 50 }], [allocation(r)], new Map(), first);
    expect(same.select(1, null, null)?.counters.size).toBe(1);
    expect(same.select(1, null, null)?.limit).toBe(50);
    const longer = RateTable.compile([{ ...r, timespan: 'PT2M' }], [allocation(r)], new Map(), same);
    expect(longer.select(1, null, null)?.counters.size).toBe(0);
  });
});
