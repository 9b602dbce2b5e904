import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import './schema.js';

export interface RevokedToken {
  tokenId: string;
  /** epoch ms; the token is refused anyway after it */
  expiresAt: number;
}

/**
 * How a revocation on one node reaches every other node. The database poller below needs no extra
 * service; a Redis pub/sub bus can implement the same interface for larger clusters.
 */
export interface RevocationFeed {
  /** tells the other nodes; called after the revocation is stored (the poller reads the rows itself) */
  announce(revoked: readonly RevokedToken[]): Promise<void>;
  /** starts delivering revocations made on any node, this one included */
  subscribe(deliver: (revoked: readonly RevokedToken[]) => void): void;
  close(): Promise<void>;
}

export interface PollingOptions {
  /** how often to ask; at most once a second keeps the load negligible */
  intervalMs?: number;
  /**
   * re-read this far behind the newest revocation seen: a slower transaction can commit a revoked_at
   * older than one already read, and node clocks differ a little
   */
  overlapMs?: number;
}

/**
 * Polls the tokens table for revocations since the last poll (minus an overlap), using the index on
 * revoked_at. Only unexpired tokens matter; adding a token twice to the revocation list is harmless.
 */
export class PollingRevocationFeed implements RevocationFeed {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private cursor: number;
  private closed = false;
  private readonly intervalMs: number;
  private readonly overlapMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    options: PollingOptions = {},
  ) {
    this.intervalMs = Math.max(options.intervalMs ?? 500, 50);
    this.overlapMs = options.overlapMs ?? 5000;
    this.cursor = Date.now();
  }

  async announce(): Promise<void> {
    // the revoked_at column is the message
  }

  subscribe(deliver: (revoked: readonly RevokedToken[]) => void): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.running = this.poll(deliver)
        .then(() => undefined)
        .catch((error) => this.logger.warn({ err: error }, 'polling for revoked tokens failed; retrying'))
        .finally(() => {
          this.running = null;
          if (!this.closed) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.intervalMs).unref();
  }

  /** One poll; exposed so tests and shutdown can force it. */
  async poll(deliver: (revoked: readonly RevokedToken[]) => void): Promise<number> {
    const now = Date.now();
    const rows = await this.db
      .selectFrom('tokens')
      .select(['token_id', 'expire'])
      .where('revoked_at', '>=', this.cursor - this.overlapMs)
      .where('expire', '>', now)
      .execute();
    // the cursor is this node's clock at the last poll, so a row is read for one overlap and then left alone
    this.cursor = now;
    if (rows.length === 0) return 0;
    deliver(rows.map((r) => ({ tokenId: r.token_id, expiresAt: r.expire })));
    return rows.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
