import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import {
  type AttemptDecision,
  accountPrefix,
  afterAttempt,
  afterSuccess,
  defaultThrottlePolicy,
  freshState,
  judgeAttempt,
  type KeyState,
  type LoginThrottle,
  type ThrottleKey,
  type ThrottlePolicy,
} from './throttle.js';

export interface LoginThrottleTable {
  id: import('kysely').Generated<number>;
  key: string;
  failures: number;
  last_at: number;
  known_at: number | null;
}

declare module '../db/schema.js' {
  interface Database {
    login_throttle: LoginThrottleTable;
  }
}

const maxRetries = 5;

/** A deadlock or a busy SQLite file: the transaction may simply be tried again. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '40P01' || code === '40001' || code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_BUSY';
}

/**
 * Counters in the system database, shared by every worker and node on it. An attempt reads and writes
 * its keys in one transaction with the rows locked (SQLite: one writer at a time), so two attempts racing
 * for the last free try cannot both get it.
 */
export class DatabaseLoginThrottle implements LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly policy: ThrottlePolicy = defaultThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(keys: readonly ThrottleKey[]): Promise<AttemptDecision> {
    await this.ensureRows(keys);
    return this.locked(keys, async (trx, states) => {
      const now = this.now();
      const decision = judgeAttempt(keys, states, now, this.policy);
      if (decision.waitMs > 0) return decision;
      for (const key of decision.counted) {
        await this.write(trx, key.id, afterAttempt(states.get(key.id) ?? freshState, now, this.policy));
      }
      return decision;
    });
  }

  async succeeded(counted: readonly ThrottleKey[]): Promise<void> {
    if (counted.length === 0) return;
    await this.locked(counted, async (trx, states) => {
      const now = this.now();
      for (const key of counted) {
        await this.write(trx, key.id, afterSuccess(states.get(key.id) ?? freshState, key.kind, now));
      }
    });
  }

  async unlock(account: string): Promise<number> {
    const prefix = accountPrefix(account);
    const result = await this.db
      .deleteFrom('login_throttle')
      .where((eb) => eb.or([eb('key', '=', prefix), eb('key', 'like', `${prefix}:%`)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async prune(): Promise<void> {
    const now = this.now();
    await this.db
      .deleteFrom('login_throttle')
      .where('last_at', '<', now - this.policy.windowMs - this.policy.maxDelayMs)
      .where((eb) => eb.or([eb('known_at', 'is', null), eb('known_at', '<', now - this.policy.knownForMs)]))
      .execute();
  }

  private async ensureRows(keys: readonly ThrottleKey[]): Promise<void> {
    // sorted, so concurrent inserts take their locks in one order
    const values = [...keys]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((k) => ({ key: k.id, failures: 0, last_at: 0, known_at: null }));
    const insert = this.db.insertInto('login_throttle').values(values);
    if (this.dialect === 'mysql') await insert.ignore().execute();
    else await insert.onConflict((oc) => oc.column('key').doNothing()).execute();
  }

  /** Runs `work` in a transaction holding the keys' rows, retrying a deadlock. */
  private async locked<T>(
    keys: readonly ThrottleKey[],
    work: (trx: Kysely<Database>, states: Map<string, KeyState>) => Promise<T>,
  ): Promise<T> {
    const ids = [...new Set(keys.map((k) => k.id))].sort();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          let query = trx
            .selectFrom('login_throttle')
            .select(['key', 'failures', 'last_at', 'known_at'])
            .where('key', 'in', ids)
            .orderBy('key');
          if (this.dialect !== 'sqlite') query = query.forUpdate();
          const rows = await query.execute();
          const states = new Map(
            rows.map((r) => [
              r.key,
              {
                failures: Number(r.failures),
                lastAt: Number(r.last_at),
                knownAt: r.known_at === null ? null : Number(r.known_at),
              },
            ]),
          );
          return work(trx, states);
        });
      } catch (error) {
        if (attempt >= maxRetries || !isRetryable(error)) throw error;
      }
    }
  }

  private async write(trx: Kysely<Database>, key: string, state: KeyState): Promise<void> {
    await trx
      .updateTable('login_throttle')
      .set({ failures: state.failures, last_at: state.lastAt, known_at: state.knownAt })
      .where('key', '=', key)
      .execute();
  }
}

/**
 * One attempt judged and counted in one step inside Redis. KEYS are the attempt's keys, the
 * account-from-this-address key first; ARGV: now, window, base delay, max delay, known-for, then the
 * free attempts of each key. Answers {wait ms, how many keys were counted}.
 */
const beginScript = `
local now = tonumber(ARGV[1]); local window = tonumber(ARGV[2]); local base = tonumber(ARGV[3])
local cap = tonumber(ARGV[4]); local knownFor = tonumber(ARGV[5])
local function load(key)
  local v = redis.call('HMGET', key, 'f', 't', 'k')
  local f = tonumber(v[1]) or 0; local t = tonumber(v[2]) or 0
  if now - t > window then f = 0 end
  return f, t, tonumber(v[3])
end
local n = #KEYS
local _, _, known = load(KEYS[1])
if string.sub(ARGV[6 + n], 1, 1) == 'p' and known and now - known < knownFor then n = 1 end
local wait = 0
for i = 1, n do
  local f, t = load(KEYS[i])
  local free = tonumber(ARGV[5 + i])
  if f >= free then
    local at = t + math.min(cap, base * 2 ^ math.min(f - free, 30))
    if at - now > wait then wait = at - now end
  end
end
if wait > 0 then return {wait, 0} end
for i = 1, n do
  local f = load(KEYS[i])
  redis.call('HSET', KEYS[i], 'f', f + 1, 't', now)
  local ttl = window + cap
  if i == 1 then ttl = math.max(ttl, knownFor) end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return {0, n}
`;

const successScript = `
local now = tonumber(ARGV[1]); local knownFor = tonumber(ARGV[2])
for i = 1, #KEYS do
  if ARGV[2 + i] == 'account-ip' then
    redis.call('HSET', KEYS[i], 'f', 0, 't', now, 'k', now)
    redis.call('PEXPIRE', KEYS[i], knownFor)
  elseif redis.call('EXISTS', KEYS[i]) == 1 then
    local f = tonumber(redis.call('HGET', KEYS[i], 'f')) or 0
    if f > 0 then redis.call('HSET', KEYS[i], 'f', f - 1) end
  end
end
return 1
`;

/**
 * Counters in Redis (with `REDIS_URL`): every attempt is one atomic script. While Redis cannot be
 * reached, attempts are counted in the system database instead (`fallback`): logins keep working and
 * stay throttled — guessing must not get easier because a dependency is down.
 */
export class RedisLoginThrottle implements LoginThrottle {
  /** `prefix`: the installation's Redis key prefix, so installations sharing one Redis keep apart */
  static connect(
    url: string,
    prefix: string,
    fallback: LoginThrottle,
    logger: Logger,
    policy: ThrottlePolicy = defaultThrottlePolicy,
  ): RedisLoginThrottle {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 });
    redis.on('error', (error) => logger.debug({ err: error.message }, 'login throttle: redis unavailable'));
    return new RedisLoginThrottle(redis, `${prefix}login:{t}:`, fallback, logger, policy);
  }

  constructor(
    private readonly redis: Redis,
    /** with one hash tag, so a Redis Cluster keeps an attempt's keys in one slot */
    private readonly prefix: string,
    private readonly fallback: LoginThrottle,
    private readonly logger: Logger,
    private readonly policy: ThrottlePolicy = defaultThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  async begin(keys: readonly ThrottleKey[]): Promise<AttemptDecision> {
    try {
      return await this.beginInRedis(keys);
    } catch (error) {
      this.logger.warn({ err: error }, 'login throttle: redis unavailable, counting in the system database');
      return this.fallback.begin(keys);
    }
  }

  async succeeded(counted: readonly ThrottleKey[]): Promise<void> {
    if (counted.length === 0) return;
    try {
      await this.redis.eval(
        successScript,
        counted.length,
        ...counted.map((k) => this.prefix + k.id),
        this.now(),
        this.policy.knownForMs,
        ...counted.map((k) => k.kind),
      );
    } catch {
      await this.fallback.succeeded(counted);
    }
  }

  async unlock(account: string): Promise<number> {
    return (await this.fallback.unlock(account)) + (await this.unlockInRedis(account));
  }

  async prune(): Promise<void> {
    // Redis keys expire on their own; the fallback's rows do not
    await this.fallback.prune();
  }

  private async beginInRedis(keys: readonly ThrottleKey[]): Promise<AttemptDecision> {
    const p = this.policy;
    const firstIsPair = keys[0]?.kind === 'account-ip' ? 'pair' : 'none';
    const [waitMs, counted] = (await this.redis.eval(
      beginScript,
      keys.length,
      ...keys.map((k) => this.prefix + k.id),
      this.now(),
      p.windowMs,
      p.baseDelayMs,
      p.maxDelayMs,
      p.knownForMs,
      ...keys.map((k) => p.free[k.kind]),
      firstIsPair,
    )) as [number, number];
    return { waitMs: Number(waitMs), counted: waitMs > 0 ? [] : keys.slice(0, Number(counted)) };
  }

  private async unlockInRedis(account: string): Promise<number> {
    const prefix = this.prefix + accountPrefix(account);
    let removed = await this.redis.del(prefix);
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) removed += await this.redis.del(...found);
    } while (cursor !== '0');
    return removed;
  }
}
