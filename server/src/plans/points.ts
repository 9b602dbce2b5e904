import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { forbidden, PorticoError, serviceUnavailable } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import { appsUrl } from '../mail/templates.js';
import type { Settings } from '../settings/settings.js';
import { BatchBuffer } from '../telemetry/batch-buffer.js';
import { renewFreePlans } from './renewal.js';
import './tables.js';

export interface PointsLedgerOptions {
  db: Kysely<Database>;
  logger: Logger;
  settings: Settings;
  mailer: Mailer;
  publicUrl: string;
  /** how often buffered usage rows are written */
  usageIntervalMs?: number;
  usageBatchSize?: number;
  /** beyond this many unwritten usage rows the oldest are dropped (and counted) */
  maxBufferedUsage?: number;
  /** how often free plans are checked for a new period; 0 turns the sweep off */
  renewalIntervalMs?: number;
}

export interface UsageEntry {
  operationId: number;
  userId: number;
  appId: number | null;
  points: number;
  date: number;
}

/** Who pays for a call. */
export interface Payer {
  readonly user: { readonly id: number } | null;
  readonly app: { readonly id: number } | null;
}

export const anonymousCostsMessage =
  'This action costs points because of this you must be authenticated in order to call this action';
export const notEnoughPointsMessage =
  'Your account has not enough points to call this action. Please purchase new points in order to execute this action';

/**
 * Users' point balances: debits for operations that cost points, usage records, and the renewal of free
 * plans. A debit is one conditional UPDATE, so concurrent calls can never take a balance below zero; usage
 * rows are buffered and written in multi-row inserts off the request path.
 */
export class PointsLedger {
  private readonly usage: BatchBuffer<UsageEntry>;
  private renewalTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<unknown> | null = null;
  private closed = false;

  constructor(private readonly options: PointsLedgerOptions) {
    this.usage = new BatchBuffer({
      write: (batch) => this.writeUsage(batch),
      logger: options.logger,
      what: 'plan usage',
      intervalMs: options.usageIntervalMs ?? 250,
      batchSize: options.usageBatchSize ?? 500,
      maxBuffered: options.maxBufferedUsage ?? 100_000,
    });
  }

  /**
   * Takes `costs` points from the caller's balance for one call of an operation: 403 for anonymous callers
   * and 402 when the balance is too small (Fusio's messages); 503 when the system database cannot be reached.
   */
  async charge(operationId: number, costs: number, payer: Payer): Promise<void> {
    if (!payer.user) throw forbidden(anonymousCostsMessage);
    const userId = payer.user.id;
    let debited: boolean;
    try {
      debited = await this.debit(userId, costs);
    } catch (error) {
      this.options.logger.error({ err: error, userId }, 'debiting points failed');
      throw serviceUnavailable('Points could not be charged right now, please try again later', error);
    }
    if (!debited) throw new PorticoError('PAYMENT_REQUIRED', notEnoughPointsMessage);
    this.record({ operationId, userId, appId: payer.app?.id ?? null, points: costs, date: Date.now() });
    const threshold = this.options.settings.number('points_threshold');
    if (threshold > 0) this.queueThresholdMail(userId, costs, threshold);
  }

  /** Takes the points if the balance holds them, in one statement; false when it does not. */
  async debit(userId: number, points: number): Promise<boolean> {
    const result = await this.options.db
      .updateTable('users')
      .set((eb) => ({ points: eb('points', '-', points) }))
      .where('id', '=', userId)
      .where('points', '>=', points)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  get pendingUsage(): number {
    return this.usage.pending;
  }

  get droppedUsage(): number {
    return this.usage.dropped;
  }

  record(entry: UsageEntry): void {
    this.usage.record(entry);
  }

  /** Writes every buffered usage row. */
  flush(): Promise<void> {
    return this.usage.flush();
  }

  private async writeUsage(batch: UsageEntry[]): Promise<void> {
    await this.options.db
      .insertInto('plan_usages')
      .values(
        batch.map((e) => ({
          operation_id: e.operationId,
          user_id: e.userId,
          app_id: e.appId,
          points: e.points,
          date: e.date,
        })),
      )
      .execute();
  }

  /** Fusio's points threshold mail: sent when a debit takes the balance below `points_threshold`. */
  private queueThresholdMail(userId: number, costs: number, threshold: number): void {
    const { db, settings, mailer, publicUrl } = this.options;
    mailer.queue(async () => {
      const user = await db
        .selectFrom('users')
        .select(['name', 'email', 'points'])
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!user?.email || user.points === null) return null;
      const after = user.points;
      if (!(threshold > after && threshold <= after + costs)) return null;
      const fill = (text: string) =>
        text.replace(/\{(name|points|apps_url)\}/g, (_m, key: string) =>
          key === 'name' ? user.name : key === 'points' ? String(after) : appsUrl(publicUrl),
        );
      return {
        to: user.email,
        subject: fill(settings.string('mail_points_subject')),
        text: fill(settings.string('mail_points_body')),
      };
    }, `points threshold for user ${userId}`);
  }

  /** Credits the new periods of free plans now, of everybody or one user (also every `renewalIntervalMs` after `start()`). */
  renewFreePlans(now = Date.now(), userId?: number): Promise<{ credited: number }> {
    const run = renewFreePlans(this.options.db, now, userId === undefined ? {} : { userId });
    this.renewing = run.catch(() => {});
    return run;
  }

  start(): void {
    const interval = this.options.renewalIntervalMs ?? 60_000;
    if (interval <= 0 || this.renewalTimer) return;
    const sweep = () => {
      if (this.closed) return;
      this.renewFreePlans().catch((error) =>
        this.options.logger.error({ err: error }, 'renewing the points of free plans failed; will retry'),
      );
    };
    sweep();
    this.renewalTimer = setInterval(sweep, interval);
    this.renewalTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.renewalTimer) clearInterval(this.renewalTimer);
    await this.renewing;
    await this.usage.close();
  }
}
