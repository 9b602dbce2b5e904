import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { ChangeFeed } from './feed.js';
import { type ConfigKind, configKinds } from './kinds.js';

/** Runs a rebuild at most once at a time; asks made while it runs share one more run after it. */
class Coalesced {
  private current: Promise<void> | undefined;
  private pending: Promise<void> | undefined;

  constructor(private readonly rebuild: () => Promise<void>) {}

  run(): Promise<void> {
    if (!this.current) {
      this.current = this.rebuild().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.pending ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.pending = undefined;
        return this.run();
      });
    return this.pending;
  }
}

interface Subscriber {
  readonly name: string;
  readonly kinds: ReadonlySet<ConfigKind>;
  readonly rebuild: Coalesced;
}

export interface BusOptions {
  /** a full rebuild of every subscriber this often, in case a feed message was lost (0: never) */
  safetyNetMs?: number;
}

/**
 * The typed configuration bus. Repositories record what a change touched in its transaction; once it
 * commits, the subscribers of those kinds rebuild on this node (awaited: the change is live when the
 * response goes out) and the feed carries the kinds to every other node, where the same subscribers
 * rebuild. Nothing else keeps nodes in step; the periodic full rebuild is only a safety net.
 */
export class ConfigBus {
  private readonly subscribers: Subscriber[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly safetyNetMs: number;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly logger: Logger,
    options: BusOptions = {},
  ) {
    this.safetyNetMs = options.safetyNetMs ?? 60_000;
  }

  /** A subsystem rebuilds what it caches from the configuration when one of `kinds` changed. */
  on(name: string, kinds: readonly ConfigKind[], rebuild: () => Promise<void>): void {
    this.subscribers.push({ name, kinds: new Set(kinds), rebuild: new Coalesced(rebuild) });
  }

  /** In the change's own transaction: the announcement commits with it. */
  record(trx: Kysely<Database>, kinds: readonly ConfigKind[]): Promise<void> {
    return this.feed.record(trx, kinds);
  }

  /**
   * After the commit: tell the other nodes at once where a fast channel exists, and rebuild here
   * meanwhile, so every node rebuilds at the same time instead of one after the other.
   */
  async committed(kinds: readonly ConfigKind[]): Promise<void> {
    if (kinds.length === 0) return;
    const pushed = this.feed
      .push(kinds)
      .catch((error) => this.logger.warn({ err: error }, 'announcing a change failed'));
    try {
      await this.apply(kinds);
    } finally {
      await pushed;
    }
  }

  /** Rebuilds every subscriber of any of `kinds`; rejects when one of them fails. */
  async apply(kinds: readonly ConfigKind[]): Promise<void> {
    const wanted = new Set(kinds);
    const due = this.subscribers.filter((s) => [...s.kinds].some((k) => wanted.has(k)));
    const results = await Promise.allSettled(due.map((s) => s.rebuild.run()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed !== -1) throw (results[failed] as PromiseRejectedResult).reason;
  }

  /** Follows the changes of other nodes, and starts the safety net. */
  start(): void {
    this.feed.subscribe((kinds) => {
      this.apply(kinds).catch((error) =>
        this.logger.error({ err: error, kinds }, 'applying a change from another node failed'),
      );
    });
    if (this.safetyNetMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.apply(configKinds).catch((error) => this.logger.warn({ err: error }, 'periodic rebuild failed'));
      }, this.safetyNetMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.feed.close();
  }
}
