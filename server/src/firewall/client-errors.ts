/**
 * Counts client errors (4xx) per address for the automatic ban. One counter per address runs for a window
 * of `windowMs` from its first error; the error that brings it to `max` within the window answers true
 * (ban now) and starts it over, so exactly one request — in one process, or across the workers that share
 * the cluster primary's counter — writes the ban.
 */
export interface ClientErrorCounter {
  hit(address: string, windowMs: number, max: number): boolean | Promise<boolean>;
}

/** Beyond this many addresses at once the counters of lapsed windows are dropped, then all of them. */
const maxAddresses = 100_000;

/** Counting in this process: a node alone, or the cluster primary for every worker. */
export class MemoryClientErrors implements ClientErrorCounter {
  private readonly windows = new Map<string, { count: number; until: number }>();

  hit(address: string, windowMs: number, max: number, now = Date.now()): boolean {
    let window = this.windows.get(address);
    if (window === undefined || window.until <= now) {
      if (window === undefined && this.windows.size >= maxAddresses) this.makeRoom(now);
      window = { count: 0, until: now + windowMs };
      this.windows.set(address, window);
    }
    window.count++;
    if (window.count < max) return false;
    this.windows.delete(address);
    return true;
  }

  /** Forgets windows that ended. */
  sweep(now = Date.now()): void {
    for (const [address, window] of this.windows) if (window.until <= now) this.windows.delete(address);
  }

  /** Addresses counted right now (tests). */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    this.sweep(now);
    // a flood of distinct addresses: start over rather than grow without bound (counting errors can only ban)
    if (this.windows.size >= maxAddresses) this.windows.clear();
  }
}

/** One address's window in Redis: the count, started with its expiry by the first error; the error that reaches the limit deletes it. */
const hitScript = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/** The part of an ioredis client used here. */
export interface RedisEval {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  disconnect(): void;
}

/**
 * With REDIS_URL: every node and worker counts an address's client errors together, so the limit holds
 * for the cluster. While Redis cannot answer, counting falls back to this process (`fallback`): bans keep
 * working, per process.
 */
export class RedisClientErrors implements ClientErrorCounter {
  constructor(
    private readonly redis: RedisEval,
    private readonly prefix: string,
    private readonly fallback: ClientErrorCounter,
  ) {}

  hit(address: string, windowMs: number, max: number): Promise<boolean> {
    return this.redis.eval(hitScript, 1, `${this.prefix}fw:${address}`, windowMs, max).then(
      (reached) => reached === 1,
      () => this.fallback.hit(address, windowMs, max),
    );
  }

  /** Closes at once, like the rate store: no QUIT left waiting on a connection that may be going away. */
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
