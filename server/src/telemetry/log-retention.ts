import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';

export interface LogRetentionOptions {
  /** request logs older than this many days are deleted; 0 keeps them for ever */
  days: number;
  /** rows deleted per statement: small, so each transaction holds its locks for milliseconds */
  batchSize?: number;
  /** pause between two batches, so requests and their log writes go first */
  pauseMs?: number;
  /** how often a pass runs */
  intervalMs?: number;
}

/**
 * Deletes request logs (and their error rows) older than the retention, oldest first, a small batch at a
 * time. Log ids grow with time, so each batch reads the first rows of the primary key and deletes the old
 * ones among them: no scan of the table (a pass with nothing to delete reads one batch), no long
 * transaction, and the request log's writer and the statistics never wait more than one batch. Several
 * nodes may run it at once: a batch deletes what is still there.
 */
export class LogRetention {
  private readonly days: number;
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    options: LogRetentionOptions,
  ) {
    this.days = options.days;
    this.batchSize = options.batchSize ?? 2_000;
    this.pauseMs = options.pauseMs ?? 20;
    this.intervalMs = options.intervalMs ?? 3_600_000;
  }

  /** Runs a pass a minute after start, then every interval (none when the retention is 0). */
  start(): void {
    if (this.days <= 0 || this.timer) return;
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.run()
          .catch((error) => this.logger.warn({ err: error }, 'deleting old request logs failed; retrying later'))
          .finally(() => {
            if (!this.stopped) tick(this.intervalMs);
          });
      }, delay);
      this.timer.unref();
    };
    tick(Math.min(60_000, this.intervalMs));
  }

  /** One pass: deletes every log row older than the retention; resolves to how many. */
  run(now = Date.now()): Promise<number> {
    this.running ??= this.pass(now - this.days * 86_400_000).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(cutoff: number): Promise<number> {
    let deleted = 0;
    const started = performance.now();
    while (!this.stopped) {
      // the oldest rows by id: a few pages of the primary key, however large the table is
      const head = await this.db
        .selectFrom('logs')
        .select(['id', 'date'])
        .orderBy('id')
        .limit(this.batchSize)
        .execute();
      const old = head.filter((row) => Number(row.date) < cutoff);
      if (old.length === 0) break;
      const first = old[0]?.id as number;
      const last = old[old.length - 1]?.id as number;
      await this.db.transaction().execute(async (trx) => {
        const doomed = (eb: typeof trx) =>
          eb
            .selectFrom('logs')
            .select('id')
            .where('id', '>=', first)
            .where('id', '<=', last)
            .where('date', '<', cutoff);
        await trx.deleteFrom('log_errors').where('log_id', 'in', doomed(trx)).execute();
        const result = await trx
          .deleteFrom('logs')
          .where('id', '>=', first)
          .where('id', '<=', last)
          .where('date', '<', cutoff)
          .executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      });
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
    if (deleted > 0) {
      this.logger.info(
        { deleted, days: this.days, ms: Math.round(performance.now() - started) },
        'deleted request logs older than the retention',
      );
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
