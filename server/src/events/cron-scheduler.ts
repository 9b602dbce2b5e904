import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import type { ActionRunner } from './action-runner.js';
import { type CronjobRow, ExitCode } from './tables.js';

/** Cron expressions are read in UTC, so that every node computes the same ticks. */
export const cronTimezone = 'UTC';

/** A parsed cron expression (5 fields, or 6 with seconds first, or 7 with a year); throws a 400 when invalid. */
export function parseCron(expression: unknown): Cron {
  if (typeof expression !== 'string' || expression.trim() === '') throw badRequest('Cron must not be empty');
  try {
    return new Cron(expression.trim(), { timezone: cronTimezone, paused: true });
  } catch (error) {
    throw badRequest(`Invalid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`);
  }
}

interface ScheduledJob {
  row: CronjobRow;
  cron: Cron;
  /** the next tick, epoch milliseconds */
  nextAt: number;
}

export interface CronSchedulerOptions {
  /** how often the cronjob list is re-read (changes made on other nodes) */
  readonly reloadIntervalMs: number;
}

const runRetentionMs = 86_400_000;
const keptErrors = 50;

/**
 * Runs cronjobs on every node; a tick runs on exactly one of them. Each node computes the ticks of every
 * active cronjob, and at a tick inserts (cronjob id, tick time) into cronjob_runs: the unique key lets
 * one insert through and the others find it taken. Ticks missed while no node was running are not
 * caught up. The run's exit code (0, or 1 with the error recorded) and time are stored on the cronjob.
 */
export class CronScheduler {
  private jobs = new Map<number, ScheduledJob>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastReload = 0;
  private lastPrune = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      dialect: DialectName;
      logger: Logger;
      runner: ActionRunner;
      /** this node's name in cronjob_runs */
      node: string;
    },
    private readonly options: CronSchedulerOptions,
  ) {}

  async start(): Promise<void> {
    await this.reload().catch((error) => this.deps.logger.warn({ err: error }, 'cronjobs could not be loaded'));
    this.schedule();
  }

  /** Re-reads the cronjobs now (after a change made through this node's API). */
  async changed(): Promise<void> {
    await this.reload();
    this.schedule();
  }

  async close(waitMs: number): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const job of this.jobs.values()) job.cron.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async reload(): Promise<void> {
    const rows = await this.deps.db.selectFrom('cronjobs').selectAll().where('status', '=', 1).execute();
    this.lastReload = Date.now();
    const now = new Date();
    const next = new Map<number, ScheduledJob>();
    for (const row of rows) {
      const existing = this.jobs.get(row.id);
      if (existing && existing.row.cron === row.cron) {
        next.set(row.id, { ...existing, row });
        continue;
      }
      existing?.cron.stop();
      try {
        const cron = new Cron(row.cron, { timezone: cronTimezone, paused: true });
        const at = cron.nextRun(now);
        if (at) next.set(row.id, { row, cron, nextAt: at.getTime() });
      } catch (error) {
        this.deps.logger.warn({ err: error, cronjob: row.name }, 'cronjob has an invalid cron expression');
      }
    }
    for (const [id, job] of this.jobs) if (!next.has(id)) job.cron.stop();
    this.jobs = next;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    let earliest = Number.POSITIVE_INFINITY;
    for (const job of this.jobs.values()) earliest = Math.min(earliest, job.nextAt);
    const untilReload = this.lastReload + this.options.reloadIntervalMs - Date.now();
    const delay = Math.max(0, Math.min(earliest - Date.now(), untilReload));
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (Date.now() - this.lastReload >= this.options.reloadIntervalMs) {
      await this.reload().catch((error) => {
        this.lastReload = Date.now();
        this.deps.logger.warn({ err: error }, 'cronjobs could not be reloaded');
      });
    }
    const now = Date.now();
    for (const job of this.jobs.values()) {
      if (job.nextAt > now) continue;
      const tick = job.nextAt;
      // a node that fell behind runs the tick that was due and skips the rest
      job.nextAt = job.cron.nextRun(new Date(now))?.getTime() ?? Number.POSITIVE_INFINITY;
      const run = this.claimAndRun(job.row, tick).catch((error) =>
        this.deps.logger.warn({ err: error, cronjob: job.row.name }, 'cronjob run could not be recorded'),
      );
      this.running.add(run);
      run.finally(() => this.running.delete(run));
    }
    await this.pruneWhenDue().catch(() => {});
    this.schedule();
  }

  private async claim(cronjobId: number, tick: number): Promise<boolean> {
    const values = {
      cronjob_id: cronjobId,
      scheduled_at: tick,
      node: this.deps.node,
      started_at: Date.now(),
      finished_at: null,
      exit_code: null,
    };
    const insert = this.deps.db.insertInto('cronjob_runs').values(values);
    const result =
      this.deps.dialect === 'postgres'
        ? await insert.onConflict((oc) => oc.columns(['cronjob_id', 'scheduled_at']).doNothing()).executeTakeFirst()
        : await insert.orIgnore().executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  private async claimAndRun(row: CronjobRow, tick: number): Promise<void> {
    if (!row.action) return;
    if (!(await this.claim(row.id, tick))) return;
    const { db, runner, logger } = this.deps;
    let exitCode: number = ExitCode.success;
    try {
      await runner.run(row.action, undefined, {
        kind: 'cronjob',
        name: row.name,
        userId: null,
        appId: null,
        requestId: `cron_${row.id}_${tick}`,
      });
    } catch (error) {
      exitCode = ExitCode.error;
      logger.warn({ err: error, cronjob: row.name }, 'cronjob failed');
      const err = error instanceof Error ? error : new Error(String(error));
      const [file, line] = origin(err.stack);
      await db
        .insertInto('cronjob_errors')
        .values({
          cronjob_id: row.id,
          message: err.message.slice(0, 500),
          trace: (err.stack ?? '').slice(0, 16_000),
          file: file.slice(0, 255),
          line,
          created_at: Date.now(),
        })
        .execute();
      await this.keepLatestErrors(row.id);
    }
    const finished = Date.now();
    await db
      .updateTable('cronjobs')
      .set({ execute_date: finished, exit_code: exitCode })
      .where('id', '=', row.id)
      .execute();
    await db
      .updateTable('cronjob_runs')
      .set({ finished_at: finished, exit_code: exitCode })
      .where('cronjob_id', '=', row.id)
      .where('scheduled_at', '=', tick)
      .execute();
  }

  /** A job failing every second must not fill the database: the latest errors tell the story. */
  private async keepLatestErrors(cronjobId: number): Promise<void> {
    const oldestKept = await this.deps.db
      .selectFrom('cronjob_errors')
      .select('id')
      .where('cronjob_id', '=', cronjobId)
      .orderBy('id', 'desc')
      .offset(keptErrors - 1)
      .limit(1)
      .executeTakeFirst();
    if (!oldestKept) return;
    await this.deps.db
      .deleteFrom('cronjob_errors')
      .where('cronjob_id', '=', cronjobId)
      .where('id', '<', oldestKept.id)
      .execute();
  }

  private async pruneWhenDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 3_600_000) return;
    this.lastPrune = now;
    await this.deps.db
      .deleteFrom('cronjob_runs')
      .where('started_at', '<', now - runRetentionMs)
      .execute();
  }
}

/** The file and line of the first stack frame, as Fusio records them. */
function origin(stack: string | undefined): [string, number] {
  const match = /\(?((?:file:\/\/|\/)[^():]+):(\d+):\d+\)?/.exec(stack ?? '');
  return match ? [match[1] as string, Number(match[2])] : ['', 0];
}
