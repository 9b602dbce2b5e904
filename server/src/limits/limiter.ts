import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { Category, type Database } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { type CompiledRate, RateTable } from './rate-table.js';
import { RedisWindows } from './redis-store.js';
import { expired, take, WindowCounter, type WindowVerdict } from './sliding-window.js';
import './tables.js';

/** What happens to requests while Redis (or the cluster primary) cannot be reached. */
export type RedisFailurePolicy = 'open' | 'closed';

/** Windows every worker or node counts in: Redis, or the cluster primary over IPC (ipc-store.ts). */
export interface SharedWindows {
  /** whether a request can be sent now; when not, the failure policy applies at once */
  readonly ready: boolean;
  take(rate: CompiledRate, caller: number | string): Promise<WindowVerdict>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  db: Kysely<Database>;
  logger: Logger;
  /** count in Redis (shared by every node) instead of this node's memory */
  redis?: {
    url: string;
    prefix: string;
    commandTimeoutMs: number;
    /**
     * open: keep serving, counting on this node alone until Redis is back (a request is refused only when
     * this node by itself has seen the limit); closed: answer 503, except for the platform's own APIs
     * (backend, consumer, authorization, system), which count on this node so an admin can still act
     */
    failure: RedisFailurePolicy;
    scriptTag?: string;
  };
  /** without Redis, `serve --workers`: count in the primary process, which every worker asks over IPC */
  cluster?: SharedWindows;
  /** how often counters of callers whose requests all left their window are dropped */
  sweepIntervalMs?: number;
}

/** The verdict for one request. */
export interface RateDecision extends WindowVerdict {
  readonly rate: CompiledRate;
}

/**
 * Rate limits on the hot path. The rates are compiled into a `RateTable` when a change to rates, plans or
 * users is announced on the configuration bus (made here or on another node); a request never waits for
 * the database. Counting happens in this node's memory, synchronously, or in Redis with one atomic round
 * trip, or (workers of one machine without Redis) in the cluster primary.
 */
export class RateLimiter {
  private table: RateTable = RateTable.empty;
  /** ids of the platform's own operations: they stay reachable when Redis is down, whatever the policy */
  private platformOperations: ReadonlySet<number> = new Set();
  /**
   * ids of the backend API's operations (and the authorization API's, for a token that holds a backend
   * scope): an administrator's own calls are never limited, so no rate can lock them out (docs/rate-limits.md)
   */
  private backendOperations: ReadonlySet<number> = new Set();
  private authorizationOperations: ReadonlySet<number> = new Set();
  private readonly shared: SharedWindows | null;
  /** how logs name the shared store */
  private readonly sharedName: string;
  private readonly failure: RedisFailurePolicy;
  private readonly logger: Logger;
  private readonly db: Kysely<Database>;
  private readonly sweepIntervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private requested = false;
  private sharedDown = false;
  /** the memory path writes its verdict here: it is read before anything else runs */
  private readonly scratch: { -readonly [K in keyof RateDecision]: RateDecision[K] } = {
    rate: undefined as unknown as CompiledRate,
    allowed: true,
    remaining: 0,
    resetMs: 0,
  };

  constructor(options: RateLimiterOptions) {
    this.db = options.db;
    this.logger = options.logger;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.failure = options.redis?.failure ?? 'open';
    this.shared = options.redis
      ? new RedisWindows({
          url: options.redis.url,
          prefix: options.redis.prefix,
          commandTimeoutMs: options.redis.commandTimeoutMs,
          logger: options.logger,
          scriptTag: options.redis.scriptTag,
        })
      : (options.cluster ?? null);
    this.sharedName = options.redis ? 'Redis' : 'the cluster primary';
  }

  /** Where the counts live. */
  get store(): 'memory' | 'redis' | 'cluster' {
    if (this.shared === null) return 'memory';
    return this.shared instanceof RedisWindows ? 'redis' : 'cluster';
  }

  get rates(): readonly CompiledRate[] {
    return this.table.rates;
  }

  /** The Redis client of the store (tests and health checks); null without Redis. */
  get redisClient(): RedisWindows['client'] | null {
    return this.shared instanceof RedisWindows ? this.shared.client : null;
  }

  /**
   * Counts a request. Returns null when no rate applies, the verdict at once when counting in memory, or a
   * promise of it when counting in Redis or the primary. Throws (or rejects) 503 when that store is down and the
   * policy is closed.
   */
  check(operationId: number, caller: Caller, ip: string): RateDecision | Promise<RateDecision> | null {
    const user = caller.user;
    const userId = user === null ? null : user.id;
    if (userId !== null && this.isAdministration(operationId, caller)) return null;
    const rate = this.table.select(operationId, userId, caller.app === null ? null : caller.app.id);
    if (rate === null) return null;
    const key = userId === null ? callerAddress(ip) : userId;
    if (this.shared === null) return this.takeInMemory(rate, key, this.scratch);
    if (!this.shared.ready) return this.sharedUnavailable(operationId, rate, key, null);
    return this.shared.take(rate, key).then(
      (verdict) => {
        if (this.sharedDown) {
          this.sharedDown = false;
          this.logger.info(`rate limits: ${this.sharedName} is back, counting there again`);
        }
        return { rate, allowed: verdict.allowed, remaining: verdict.remaining, resetMs: verdict.resetMs };
      },
      (error: unknown) => this.sharedUnavailable(operationId, rate, key, error),
    );
  }

  /**
   * A call of the backend API made with a token (the token passed `authorize`, so it holds a backend scope),
   * or of the authorization API (whoami, revoke) with a token that holds one.
   */
  private isAdministration(operationId: number, caller: Caller): boolean {
    if (this.backendOperations.has(operationId)) return true;
    if (!this.authorizationOperations.has(operationId)) return false;
    for (const scope of caller.scopes) if (scope === 'backend' || scope.startsWith('backend.')) return true;
    return false;
  }

  private sharedUnavailable(
    operationId: number,
    rate: CompiledRate,
    key: number | string,
    error: unknown,
  ): RateDecision {
    if (!this.sharedDown) {
      this.sharedDown = true;
      this.logger.warn(
        { err: error instanceof Error ? error.message : 'not connected', policy: this.failure },
        this.failure === 'open'
          ? `rate limits: ${this.sharedName} unavailable, counting on this node until it is back`
          : `rate limits: ${this.sharedName} unavailable, refusing limited requests until it is back`,
      );
    }
    if (this.failure === 'closed' && !this.platformOperations.has(operationId)) {
      throw new PorticoError('SERVICE_UNAVAILABLE', 'Rate limits cannot be checked right now', { 'retry-after': '1' });
    }
    return this.takeInMemory(rate, key, { rate, allowed: true, remaining: 0, resetMs: 0 });
  }

  private takeInMemory(
    rate: CompiledRate,
    key: number | string,
    out: { -readonly [K in keyof RateDecision]: RateDecision[K] },
  ): RateDecision {
    let counter: WindowCounter | undefined = rate.counters.get(key);
    if (counter === undefined) {
      if (
        rate.counters.size >= maxCountersPerRate &&
        makeRoom(rate.counters, rate.width, Date.now(), maxCountersPerRate)
      ) {
        this.logger.warn({ rate: rate.name }, 'rate limits: too many callers at once, forgot the oldest counters');
      }
      counter = new WindowCounter();
      rate.counters.set(key, counter);
    }
    out.rate = rate;
    take(counter, rate.limit, rate.width, Date.now(), out);
    return out;
  }

  /**
   * Re-reads rates, allocations and the plans of users some allocation depends on, and swaps in the new
   * table. Rebuilds are serialized; one requested during a rebuild runs after it, so a change is live when
   * the promise resolves.
   */
  reload(): Promise<void> {
    if (this.running) {
      this.requested = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.requested = false;
        await this.rebuild();
      } while (this.requested);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async rebuild(): Promise<void> {
    const [rates, allocations, platformOperations] = await Promise.all([
      this.db.selectFrom('rates').selectAll().execute(),
      this.db.selectFrom('rate_allocations').selectAll().execute(),
      this.db.selectFrom('operations').select(['id', 'category_id']).where('action', 'like', 'system://%').execute(),
    ]);
    const plans = RateTable.plansNamedIn(allocations);
    const planOfUser = new Map<number, number>();
    if (plans.length > 0) {
      const users = await this.db.selectFrom('users').select(['id', 'plan_id']).where('plan_id', 'in', plans).execute();
      for (const u of users) if (u.plan_id !== null) planOfUser.set(u.id, u.plan_id);
    }
    this.platformOperations = new Set(platformOperations.map((o) => o.id));
    this.backendOperations = new Set(
      platformOperations.filter((o) => o.category_id === Category.backend).map((o) => o.id),
    );
    this.authorizationOperations = new Set(
      platformOperations.filter((o) => o.category_id === Category.authorization).map((o) => o.id),
    );
    this.table = RateTable.compile(rates, allocations, planOfUser, this.table, (rate) =>
      this.logger.error(
        { rate: rate.name, timespan: rate.timespan },
        'rate left out: its timespan or limit is invalid',
      ),
    );
  }

  /** Starts forgetting callers whose requests all left their window; the bus keeps the table current. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(Date.now()), this.sweepIntervalMs);
    this.timer.unref();
  }

  /** Drops counters that hold nothing any more. */
  sweep(now: number): void {
    for (const rate of this.table.rates) {
      for (const [key, counter] of rate.counters) {
        if (expired(counter, rate.width, now)) rate.counters.delete(key);
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await this.shared?.close();
  }
}

/**
 * Bounds memory when very many callers (addresses) appear at once: first drops counters that hold
 * nothing, then the oldest tenth — those callers start afresh, which can only let them in, never out.
 * Returns true when it had to forget live counters.
 */
export function makeRoom(
  counters: Map<number | string, WindowCounter>,
  width: number,
  now: number,
  max: number,
): boolean {
  for (const [key, counter] of counters) if (expired(counter, width, now)) counters.delete(key);
  if (counters.size < max) return false;
  let drop = Math.ceil(max / 10);
  for (const key of counters.keys()) {
    if (drop-- <= 0) break;
    counters.delete(key);
  }
  return true;
}

/** At most this many callers counted in memory per rate (about 300 bytes each). */
export const maxCountersPerRate = 200_000;

/**
 * The key an anonymous caller is counted under: its IPv4 address, or the /64 network of an IPv6
 * address — one host gets a whole /64, so counting single addresses would let it rotate past any limit.
 */
export function callerAddress(ip: string): string {
  if (!ip.includes(':')) return ip;
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
