import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';

import { type ConfigKind, configKinds, isConfigKind } from './kinds.js';

/**
 * How a configuration change made through one node reaches every other node. The database feed
 * needs no extra service (each node polls a small table four times a second); with Redis, changes are
 * also pushed at once over pub/sub, and the database stays the safety net for a missed message.
 */
export interface ChangeFeed {
  readonly node: string;
  /**
   * Records the kinds in the transaction that makes the change, so the announcement commits (or not)
   * with it: a node that dies after the commit still has told the others.
   */
  record(trx: Kysely<Database>, kinds: readonly ConfigKind[]): Promise<void>;
  /** tells the other nodes at once, where a faster channel than the database exists; after the commit */
  push(kinds: readonly ConfigKind[]): Promise<void>;
  /** delivers the kinds changed on other nodes */
  subscribe(deliver: (kinds: readonly ConfigKind[]) => void): void;
  close(): Promise<void>;
}

export interface DatabaseFeedOptions {
  intervalMs?: number;
  /** how long change rows are kept; a node that was away longer reloads everything on return anyway */
  retainMs?: number;
}

/**
 * Polls the `changes` table by id. Ids can become visible out of order when two nodes commit at the
 * same moment, so each poll re-reads a few ids behind the newest one seen and skips ids it delivered.
 */
export class DatabaseChangeFeed implements ChangeFeed {
  readonly node = randomUUID();
  private cursor = -1;
  private readonly seen = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly retainMs: number;
  private lastCleanup = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    options: DatabaseFeedOptions = {},
  ) {
    this.intervalMs = Math.max(options.intervalMs ?? 250, 20);
    this.retainMs = options.retainMs ?? 3_600_000;
  }

  async record(trx: Kysely<Database>, kinds: readonly ConfigKind[]): Promise<void> {
    if (kinds.length === 0) return;
    const now = Date.now();
    await trx
      .insertInto('changes')
      .values(kinds.map((kind) => ({ kind, node: this.node, created_at: now })))
      .execute();
  }

  async push(): Promise<void> {
    // the rows recorded with the change are the message
  }

  subscribe(deliver: (kinds: readonly ConfigKind[]) => void): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.polling = this.poll(deliver)
        .then(() => undefined)
        .catch((error) => this.logger.warn({ err: error }, 'polling for configuration changes failed; retrying'))
        .finally(() => {
          this.polling = null;
          if (!this.closed) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** One poll; returns how many changes from other nodes it delivered. */
  async poll(deliver: (kinds: readonly ConfigKind[]) => void): Promise<number> {
    if (this.cursor < 0) {
      const newest = await this.db
        .selectFrom('changes')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      this.cursor = Number(newest?.id ?? 0);
      return 0;
    }
    const rows = await this.db
      .selectFrom('changes')
      .select(['id', 'kind', 'node'])
      .where('id', '>', this.cursor - 50)
      .orderBy('id')
      .execute();
    const kinds = new Set<ConfigKind>();
    for (const row of rows) {
      if (this.seen.has(row.id)) continue;
      this.seen.add(row.id);
      if (row.id > this.cursor) this.cursor = row.id;
      if (row.node === this.node) continue;
      // a row of an older Portico says 'config': everything
      for (const kind of isConfigKind(row.kind) ? [row.kind] : configKinds) kinds.add(kind);
    }
    for (const id of this.seen) if (id <= this.cursor - 50) this.seen.delete(id);
    if (kinds.size > 0) deliver([...kinds]);
    await this.cleanup();
    return kinds.size;
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.db
      .deleteFrom('changes')
      .where('created_at', '<', now - this.retainMs)
      .execute();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }
}

/**
 * Adds Redis pub/sub to the database feed: changes arrive in milliseconds instead of up to a quarter of a
 * second later. Redis being down only slows propagation back to the database feed's pace.
 */
export class RedisChangeFeed implements ChangeFeed {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;

  constructor(
    private readonly inner: DatabaseChangeFeed,
    redisUrl: string,
    private readonly logger: Logger,
    prefix = 'portico',
  ) {
    this.channel = `${prefix}:changes`;
    const options = { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    this.publisher = new Redis(redisUrl, options);
    this.subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error) => this.logger.debug({ err: error.message }, 'change feed: redis unavailable'));
    }
  }

  get node(): string {
    return this.inner.node;
  }

  record(trx: Kysely<Database>, kinds: readonly ConfigKind[]): Promise<void> {
    return this.inner.record(trx, kinds);
  }

  async push(kinds: readonly ConfigKind[]): Promise<void> {
    if (kinds.length === 0) return;
    try {
      await this.publisher.publish(this.channel, JSON.stringify({ kinds, node: this.inner.node }));
    } catch (error) {
      // the database feed carries it a moment later
      this.logger.debug({ err: (error as Error).message }, 'change feed: redis publish failed');
    }
  }

  subscribe(deliver: (kinds: readonly ConfigKind[]) => void): void {
    this.inner.subscribe(deliver);
    this.subscriber.subscribe(this.channel).catch((error) => {
      this.logger.warn(
        { err: (error as Error).message },
        'change feed: redis subscribe failed; using the database feed',
      );
    });
    this.subscriber.on('message', (_channel, message) => {
      try {
        const { kinds, node } = JSON.parse(message) as { kinds: unknown; node: string };
        if (node !== this.inner.node && Array.isArray(kinds)) deliver(kinds.filter(isConfigKind));
      } catch {
        // a foreign message on our channel is ignored
      }
    });
  }

  async close(): Promise<void> {
    await this.inner.close();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
