import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CompiledRate } from './rate-table.js';
import { scriptSha, takeScript } from './redis-script.js';
import { slots, type WindowVerdict } from './sliding-window.js';

export interface RedisWindowsOptions {
  url: string;
  /** put before every key, so several installations (or test files) can share one Redis */
  prefix: string;
  /** a command not answered within this many ms fails (and the failure policy applies) */
  commandTimeoutMs: number;
  logger: Logger;
  /** appended to the script as a comment: a fresh script hash, so tests see the NOSCRIPT fallback */
  scriptTag?: string;
}

/**
 * Windows kept in Redis: every node counts against the same numbers, atomically, with one round trip per
 * request (EVALSHA, or EVAL once when Redis does not know the script yet). Requests never wait for Redis:
 * without a connection a call fails at once (no offline queue), and a slow Redis fails after
 * `commandTimeoutMs`. ioredis reconnects by itself; the limiter decides what a failure means.
 */
export class RedisWindows {
  readonly client: Redis;
  private readonly script: string;
  private readonly sha: string;
  private readonly prefix: string;
  private readonly slotsText = String(slots);

  constructor(options: RedisWindowsOptions) {
    this.prefix = options.prefix;
    this.script = options.scriptTag ? `${takeScript}-- ${options.scriptTag}\n` : takeScript;
    this.sha = scriptSha(this.script);
    this.client = new Redis(options.url, {
      connectionName: 'portico-rate-limits',
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: 2000,
      // commands cut off by a lost connection fail instead of being replayed later
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // back within a second of Redis returning
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      // concurrent requests share one write to the socket
      enableAutoPipelining: true,
    });
    const logger = options.logger;
    let lastLogged = 0;
    this.client.on('error', (error: Error) => {
      // reconnect attempts fail every second while Redis is away: one line a minute is enough
      const now = Date.now();
      if (now - lastLogged < 60_000) return;
      lastLogged = now;
      logger.warn({ err: error.message }, 'rate limit store: Redis connection error');
    });
  }

  /** Whether commands can be sent now; when not, the caller should not even try. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** The Redis key holding a caller's window for a rate. */
  keyOf(rate: CompiledRate, caller: number | string): string {
    return typeof caller === 'number'
      ? `${this.prefix}${rate.keyStem}u:${caller}`
      : `${this.prefix}${rate.keyStem}ip:${caller}`;
  }

  async take(rate: CompiledRate, caller: number | string): Promise<WindowVerdict> {
    const key = this.keyOf(rate, caller);
    const limit = String(rate.limit);
    const width = String(rate.width);
    let reply: unknown;
    try {
      reply = await this.client.evalsha(this.sha, 1, key, limit, width, this.slotsText);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = await this.client.eval(this.script, 1, key, limit, width, this.slotsText);
    }
    const [admitted, remaining, resetMs] = reply as [number, number, number];
    return { allowed: admitted === 1, remaining, resetMs };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
