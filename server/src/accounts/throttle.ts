/**
 * Slows down password guessing: failed logins are counted per account and per client IP in a sliding
 * window; once a key reaches its limit every attempt on it is refused until the oldest failure ages out.
 * The interface is async so a shared store (Redis) can replace the in-memory one for a cluster.
 */
export interface ThrottleKey {
  readonly kind: 'account' | 'ip';
  readonly id: string;
}

export interface LoginThrottle {
  /** seconds until the keys accept attempts again; 0 when none of them is blocked */
  blockedFor(keys: readonly ThrottleKey[]): Promise<number>;
  recordFailure(keys: readonly ThrottleKey[]): Promise<void>;
  /** forgets the failures of these keys (after a successful login) */
  reset(keys: readonly ThrottleKey[]): Promise<void>;
}

export interface ThrottleLimits {
  windowMs: number;
  /** failures per account within the window */
  perAccount: number;
  /** failures per client IP within the window (many users may share one address) */
  perIp: number;
  /** keys tracked at most; the least recently failed are forgotten first */
  maxKeys: number;
}

export const defaultThrottleLimits: ThrottleLimits = {
  windowMs: 15 * 60 * 1000,
  perAccount: 5,
  perIp: 50,
  maxKeys: 100_000,
};

/** One node's memory: enough for a single instance; a cluster needs a shared implementation. */
export class MemoryLoginThrottle implements LoginThrottle {
  /** failure times per key, oldest first; Map order doubles as least-recently-failed order */
  private readonly failures = new Map<string, number[]>();
  private readonly limits: ThrottleLimits;

  constructor(
    limits: Partial<ThrottleLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...defaultThrottleLimits, ...limits };
  }

  async blockedFor(keys: readonly ThrottleKey[]): Promise<number> {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const times = this.recent(key, now);
      const limit = this.limitOf(key);
      if (times.length >= limit) {
        // blocked until enough failures leave the window to get below the limit again
        const freeAt = (times[times.length - limit] as number) + this.limits.windowMs;
        wait = Math.max(wait, Math.ceil((freeAt - now) / 1000));
      }
    }
    return wait;
  }

  async recordFailure(keys: readonly ThrottleKey[]): Promise<void> {
    const now = this.now();
    for (const key of keys) {
      const id = this.idOf(key);
      const times = this.recent(key, now);
      times.push(now);
      // more than the limit is never needed to decide
      if (times.length > this.limitOf(key)) times.splice(0, times.length - this.limitOf(key));
      this.failures.delete(id);
      this.failures.set(id, times);
    }
    while (this.failures.size > this.limits.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  async reset(keys: readonly ThrottleKey[]): Promise<void> {
    for (const key of keys) this.failures.delete(this.idOf(key));
  }

  /** drops keys whose failures all left the window */
  prune(): void {
    const cutoff = this.now() - this.limits.windowMs;
    for (const [id, times] of this.failures) {
      if ((times[times.length - 1] ?? 0) <= cutoff) this.failures.delete(id);
    }
  }

  get size(): number {
    return this.failures.size;
  }

  private recent(key: ThrottleKey, now: number): number[] {
    const times = this.failures.get(this.idOf(key));
    if (!times) return [];
    const cutoff = now - this.limits.windowMs;
    while (times.length > 0 && (times[0] as number) <= cutoff) times.shift();
    return times;
  }

  private limitOf(key: ThrottleKey): number {
    return key.kind === 'account' ? this.limits.perAccount : this.limits.perIp;
  }

  private idOf(key: ThrottleKey): string {
    return `${key.kind}:${key.id}`;
  }
}
