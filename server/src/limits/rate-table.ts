import { durationMillis } from './duration.js';
import { subWindows, type WindowCounter } from './sliding-window.js';
import type { RateAllocationRow, RateRow } from './tables.js';

/** A rate ready for the hot path: numbers resolved and header values built once. */
export interface CompiledRate {
  readonly id: number;
  readonly name: string;
  readonly priority: number;
  readonly limit: number;
  readonly windowMs: number;
  /** width of one sub-window in ms */
  readonly width: number;
  /** `RateLimit-Policy` value (draft-ietf-httpapi-ratelimit-headers-10) */
  readonly policyHeader: string;
  /** the policy's identifier as a structured-field string, the start of every `RateLimit` value */
  readonly policyId: string;
  readonly limitText: string;
  /** Redis key of a caller's window without the configured prefix: `<rate id>:<window ms>:` */
  readonly keyStem: string;
  /** this node's counts per caller (user id or IP), kept across rebuilds while id and window stay */
  readonly counters: Map<number | string, WindowCounter>;
}

interface CompiledAllocation {
  readonly rate: CompiledRate;
  readonly userId: number | null;
  readonly planId: number | null;
  readonly appId: number | null;
  readonly authenticated: boolean | null;
}

/**
 * The rates compiled for selection without a query, as Fusio selects them: among the allocations whose every
 * criterion matches (operation, user, the user's plan, app, authenticated; null matches anything) the one of
 * the rate with the highest priority wins (ties: the older rate). Candidates are grouped per operation ahead.
 */
export class RateTable {
  static readonly empty = new RateTable([], new Map(), new Map());

  private constructor(
    readonly rates: readonly CompiledRate[],
    private readonly byOperation: ReadonlyMap<number, readonly CompiledAllocation[]>,
    /** plan of each user whose plan some allocation names; other users' plans never decide anything */
    private readonly planOfUser: ReadonlyMap<number, number>,
    private readonly anyOperation: readonly CompiledAllocation[] = [],
  ) {}

  /**
   * Builds the table. Counters of a rate whose id and window did not change carry over from `previous`,
   * so a rebuild forgets nobody's requests. Rates with an unreadable timespan are left out and reported.
   */
  static compile(
    rates: readonly RateRow[],
    allocations: readonly RateAllocationRow[],
    planOfUser: ReadonlyMap<number, number>,
    previous: RateTable = RateTable.empty,
    onInvalid: (rate: RateRow) => void = () => {},
  ): RateTable {
    const kept = new Map(previous.rates.map((r) => [`${r.id}:${r.windowMs}`, r.counters]));
    const compiled = new Map<number, CompiledRate>();
    for (const row of rates) {
      const windowMs = durationMillis(row.timespan);
      if (windowMs === undefined || !Number.isInteger(row.rate_limit) || row.rate_limit < 0) {
        onInvalid(row);
        continue;
      }
      const policyId = structuredString(row.name, row.id);
      compiled.set(row.id, {
        id: row.id,
        name: row.name,
        priority: row.priority,
        limit: row.rate_limit,
        windowMs,
        width: windowMs / subWindows,
        policyHeader: `${policyId};q=${row.rate_limit};w=${Math.ceil(windowMs / 1000)}`,
        policyId,
        limitText: String(row.rate_limit),
        keyStem: `${row.id}:${windowMs}:`,
        counters: kept.get(`${row.id}:${windowMs}`) ?? new Map(),
      });
    }
    const all: (CompiledAllocation & { operationId: number | null; order: number })[] = [];
    for (const a of allocations) {
      const rate = compiled.get(a.rate_id);
      if (!rate) continue;
      all.push({
        rate,
        operationId: a.operation_id,
        userId: a.user_id,
        planId: a.plan_id,
        appId: a.app_id,
        authenticated: a.authenticated === null ? null : a.authenticated !== 0,
        order: a.id,
      });
    }
    all.sort((x, y) => y.rate.priority - x.rate.priority || x.rate.id - y.rate.id || x.order - y.order);
    const strip = (a: (typeof all)[number]): CompiledAllocation => ({
      rate: a.rate,
      userId: a.userId,
      planId: a.planId,
      appId: a.appId,
      authenticated: a.authenticated,
    });
    const anyOperation = all.filter((a) => a.operationId === null).map(strip);
    const byOperation = new Map<number, CompiledAllocation[]>();
    for (const id of new Set(all.flatMap((a) => (a.operationId === null ? [] : [a.operationId])))) {
      byOperation.set(id, all.filter((a) => a.operationId === null || a.operationId === id).map(strip));
    }
    return new RateTable([...compiled.values()], byOperation, planOfUser, anyOperation);
  }

  /** Plan ids some allocation names: only these users' plans need to be known. */
  static plansNamedIn(allocations: readonly RateAllocationRow[]): number[] {
    return [...new Set(allocations.flatMap((a) => (a.plan_id === null ? [] : [a.plan_id])))];
  }

  /** The rate that applies to a request, or null when none does (the request is not limited). */
  select(operationId: number, userId: number | null, appId: number | null): CompiledRate | null {
    const candidates = this.byOperation.get(operationId) ?? this.anyOperation;
    const authenticated = userId !== null;
    const planId = userId === null ? undefined : this.planOfUser.get(userId);
    for (let i = 0; i < candidates.length; i++) {
      const a = candidates[i] as CompiledAllocation;
      if (a.authenticated !== null && a.authenticated !== authenticated) continue;
      if (a.userId !== null && a.userId !== userId) continue;
      if (a.appId !== null && a.appId !== appId) continue;
      if (a.planId !== null && a.planId !== planId) continue;
      return a.rate;
    }
    return null;
  }
}

/** A structured-field string (RFC 8941 sf-string) naming the policy; names outside printable ASCII fall back. */
function structuredString(name: string, id: number): string {
  const printable = /^[\x20-\x7e]+$/.test(name) ? name : `rate-${id}`;
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
