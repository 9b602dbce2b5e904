import type { Insertable, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Encryption } from '../auth/encryption.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ActionRunner } from './action-runner.js';
import { claimDueDeliveries, claimToken, claimWaitingMessages } from './claim.js';
import type { WebhookSender } from './http-sender.js';
import type { Outbox } from './outbox.js';
import { maxAttempts, retryDelay } from './retry.js';
import { signedHeaders } from './signing.js';
import {
  DeliveryStatus,
  type EventDeliveryRow,
  type EventDeliveryTable,
  type EventMessageRow,
  MessageState,
  WebhookStatus,
} from './tables.js';

export interface DeliveryWorkerOptions {
  /** how often the outbox is looked at when nothing woke the worker */
  readonly pollIntervalMs: number;
  /** how long a claimed delivery belongs to this node; longer than the request timeout */
  readonly leaseMs: number;
  readonly retryDelaysMs: readonly number[];
  /** deliveries in flight at once on this node */
  readonly concurrency: number;
  /** finished deliveries and their messages are deleted after this long */
  readonly retentionMs: number;
}

export type JobHandler = (payload: unknown) => unknown;

interface Outcome {
  ok: boolean;
  /** no point in trying again */
  final?: boolean;
  code: number | null;
  excerpt: string | null;
  error: string | null;
  durationMs: number;
  /** 410 Gone: the receiver asks not to be called again */
  deactivate?: boolean;
}

export interface AttemptRecord {
  attempt: number;
  code: number | null;
  error: string | null;
  excerpt: string | null;
  date: number;
  ms: number;
}

const fanOutBatch = 50;
const historyLimit = 12;

/**
 * The delivery worker, one per node: fans new outbox messages out into deliveries (one per subscribed
 * webhook and per trigger), claims due deliveries under a lease and performs them — POST to a webhook,
 * run a trigger's action, run an internal job — recording each attempt and scheduling retries.
 */
export class DeliveryWorker {
  private closed = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly jobs = new Map<string, JobHandler>();
  private lastPrune = 0;
  private lastOutageLog = 0;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      dialect: DialectName;
      logger: Logger;
      encryption: Encryption;
      outbox: Outbox;
      sender: WebhookSender;
      runner: ActionRunner;
    },
    private readonly options: DeliveryWorkerOptions,
  ) {}

  registerJob(name: string, handler: JobHandler): void {
    this.jobs.set(name, handler);
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Something was written: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  /**
   * Resolves once nothing is waiting, due or in flight — every event fanned out and every due attempt
   * made. For shutdown drains and tests that must see a job's effect; gives up after `timeoutMs`.
   */
  async settled(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.wake();
      if (this.inFlight.size === 0) {
        const waiting = await this.deps.db
          .selectFrom('event_messages')
          .select('id')
          .where('state', '=', MessageState.waiting)
          .limit(1)
          .executeTakeFirst();
        if (!waiting && !(await this.anythingDue()) && this.inFlight.size === 0) return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  /** Stops claiming; waits a bounded time for attempts in flight (the others are retried after their lease). */
  async close(waitMs: number): Promise<void> {
    this.closed = true;
    this.wake();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      let more = false;
      try {
        more = (await this.fanOut()) === fanOutBatch;
        const free = this.options.concurrency - this.inFlight.size;
        if (free > 0 && (await this.anythingDue())) {
          const rows = await claimDueDeliveries(this.deps.db, this.deps.dialect, free, this.options.leaseMs);
          const messages = await this.messagesOf(rows);
          for (const row of rows) this.track(this.attempt(row, messages.get(row.message_id)));
          if (rows.length === free) more = true;
        }
        await this.pruneWhenDue();
      } catch (error) {
        this.logOutage(error);
      }
      if (!more && !this.closed) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    task.finally(() => {
      this.inFlight.delete(task);
      if (!this.closed) this.wake();
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.woken = false;
        resolve();
      };
    });
  }

  private logOutage(error: unknown): void {
    const now = Date.now();
    if (now - this.lastOutageLog < 60_000) return;
    this.lastOutageLog = now;
    this.deps.logger.warn({ err: error }, 'event delivery paused: the system database is not available');
  }

  /** A cheap look before a claim, so an idle node only reads. */
  private async anythingDue(): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('event_deliveries')
      .select('id')
      .where('status', '=', DeliveryStatus.pending)
      .where('next_attempt_at', '<=', Date.now())
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  private async messagesOf(rows: EventDeliveryRow[]): Promise<Map<number, EventMessageRow>> {
    if (rows.length === 0) return new Map();
    const ids = [...new Set(rows.map((r) => r.message_id))];
    const messages = await this.deps.db.selectFrom('event_messages').selectAll().where('id', 'in', ids).execute();
    return new Map(messages.map((m) => [m.id, m]));
  }

  /** Turns waiting messages into deliveries, in the same transaction that marks them as fanned out. */
  private async fanOut(): Promise<number> {
    const { db, dialect } = this.deps;
    const waiting = await db
      .selectFrom('event_messages')
      .select('id')
      .where('state', '=', MessageState.waiting)
      .limit(1)
      .executeTakeFirst();
    if (!waiting) return 0;
    // on MariaDB, READ COMMITTED keeps the claim from gap-locking the outbox against new events
    const transaction = dialect === 'mysql' ? db.transaction().setIsolationLevel('read committed') : db.transaction();
    return transaction.execute(async (trx) => {
      const messages = await claimWaitingMessages(trx, dialect, fanOutBatch, claimToken());
      if (messages.length === 0) return 0;
      const names = [...new Set(messages.map((m) => m.name))];
      const events = await trx
        .selectFrom('events')
        .select(['id', 'name'])
        .where('name', 'in', names)
        .where('status', '=', 1)
        .execute();
      const webhooks =
        events.length === 0
          ? []
          : await trx
              .selectFrom('webhooks')
              .select(['id', 'event_id', 'user_id'])
              .where(
                'event_id',
                'in',
                events.map((e) => e.id),
              )
              .where('status', '=', WebhookStatus.active)
              .orderBy('id')
              .execute();
      const triggers = await trx
        .selectFrom('triggers')
        .select(['id', 'event'])
        .where('event', 'in', names)
        .where('status', '=', 1)
        .orderBy('id')
        .execute();
      const now = Date.now();
      const rows: Insertable<EventDeliveryTable>[] = [];
      const delivery = (messageId: number, target: Partial<Insertable<EventDeliveryTable>>) =>
        rows.push({
          message_id: messageId,
          webhook_id: null,
          trigger_id: null,
          job: null,
          status: DeliveryStatus.pending,
          attempts: 0,
          next_attempt_at: now,
          lease_until: null,
          claim_token: null,
          code: null,
          body: null,
          error: null,
          history: null,
          execute_date: null,
          created_at: now,
          ...target,
        });
      for (const message of messages) {
        const event = events.find((e) => e.name === message.name);
        if (event) {
          for (const webhook of webhooks) {
            // an event about one user goes to that user's webhooks only
            if (webhook.event_id !== event.id) continue;
            if (message.user_id !== null && webhook.user_id !== message.user_id) continue;
            delivery(message.id, { webhook_id: webhook.id });
          }
        }
        for (const trigger of triggers)
          if (trigger.event === message.name) delivery(message.id, { trigger_id: trigger.id });
      }
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('event_deliveries')
          .values(rows.slice(i, i + 200))
          .execute();
      }
      return messages.length;
    });
  }

  private async attempt(row: EventDeliveryRow, message: EventMessageRow | undefined): Promise<void> {
    try {
      if (!message) return;
      let outcome: Outcome;
      if (row.webhook_id !== null) outcome = await this.deliverWebhook(row.webhook_id, message);
      else if (row.trigger_id !== null) outcome = await this.runTrigger(row.trigger_id, message);
      else outcome = await this.runJob(row.job ?? '', message);
      await this.record(row, outcome);
    } catch (error) {
      // not recorded: the lease runs out and the delivery is tried again
      this.deps.logger.warn({ err: error, delivery: row.id }, 'an event delivery could not be recorded');
    }
  }

  private async deliverWebhook(webhookId: number, message: EventMessageRow): Promise<Outcome> {
    const webhook = await this.deps.db
      .selectFrom('webhooks')
      .select(['status', 'endpoint', 'secret'])
      .where('id', '=', webhookId)
      .executeTakeFirst();
    if (!webhook) return failed('The webhook was deleted', true);
    if (webhook.status !== WebhookStatus.active) return failed('The webhook is inactive', true);
    let secret: string;
    try {
      secret = this.deps.encryption.decrypt(webhook.secret);
    } catch {
      return failed('The webhook secret cannot be decrypted: is PORTICO_SECRET_KEY the same on every node?');
    }
    const headers = { ...signedHeaders(secret, message.uid, message.payload), 'x-portico-event': message.name };
    const sent = await this.deps.sender.post(webhook.endpoint, headers, message.payload);
    const code = sent.code;
    const ok = code !== null && ((code >= 200 && code < 300) || code === 410);
    return {
      ok,
      code,
      excerpt: sent.excerpt,
      error: sent.error,
      durationMs: sent.durationMs,
      deactivate: code === 410,
    };
  }

  private async runTrigger(triggerId: number, message: EventMessageRow): Promise<Outcome> {
    const trigger = await this.deps.db
      .selectFrom('triggers')
      .select(['name', 'action', 'status'])
      .where('id', '=', triggerId)
      .executeTakeFirst();
    if (!trigger) return failed('The trigger was deleted', true);
    const started = performance.now();
    try {
      await this.deps.runner.run(trigger.action, JSON.parse(message.payload), {
        kind: 'trigger',
        name: trigger.name,
        event: message.name,
        userId: message.origin_user_id,
        appId: message.origin_app_id,
        requestId: message.uid,
      });
      return { ok: true, code: null, excerpt: null, error: null, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      this.deps.logger.warn({ err: error, trigger: trigger.name, event: message.name }, 'trigger action failed');
      return { ...failed(errorText(error)), durationMs: Math.round(performance.now() - started) };
    }
  }

  private async runJob(job: string, message: EventMessageRow): Promise<Outcome> {
    const handler = this.jobs.get(job);
    if (!handler) return failed(`No handler for job ${job} on this node`);
    const started = performance.now();
    try {
      await handler(this.deps.outbox.decryptJobPayload(message.payload));
      return { ok: true, code: null, excerpt: null, error: null, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      this.deps.logger.warn({ err: error, job }, 'background job failed');
      return { ...failed(errorText(error)), durationMs: Math.round(performance.now() - started) };
    }
  }

  private async record(row: EventDeliveryRow, outcome: Outcome): Promise<void> {
    const now = Date.now();
    const attempts = row.attempts;
    let status: number = DeliveryStatus.pending;
    let next = row.next_attempt_at;
    const delay = retryDelay(this.options.retryDelaysMs, attempts);
    if (outcome.ok) status = DeliveryStatus.done;
    else if (outcome.final || attempts >= maxAttempts(this.options.retryDelaysMs) || delay === undefined) {
      status = DeliveryStatus.exceeded;
    } else next = now + delay;
    const history = parseHistory(row.history);
    history.push({
      attempt: attempts,
      code: outcome.code,
      error: outcome.error,
      excerpt: outcome.excerpt === null ? null : outcome.excerpt.slice(0, 200),
      date: now,
      ms: outcome.durationMs,
    });
    const { db } = this.deps;
    // only while the claim is still ours: after a lost lease another node's attempt counts
    await db
      .updateTable('event_deliveries')
      .set({
        status,
        next_attempt_at: next,
        lease_until: null,
        code: outcome.code,
        body: outcome.excerpt,
        error: outcome.error,
        history: JSON.stringify(history.slice(-historyLimit)),
        execute_date: now,
      })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .execute();
    if (outcome.deactivate && row.webhook_id !== null) {
      await db
        .updateTable('webhooks')
        .set({ status: WebhookStatus.inactive, updated_at: now })
        .where('id', '=', row.webhook_id)
        .execute();
      this.deps.logger.info({ webhook: row.webhook_id }, 'webhook deactivated: its endpoint answered 410 Gone');
    }
  }

  private async pruneWhenDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 3_600_000) return;
    this.lastPrune = now;
    const cutoff = now - this.options.retentionMs;
    const { db } = this.deps;
    await db
      .deleteFrom('event_deliveries')
      .where('status', '!=', DeliveryStatus.pending)
      .where('execute_date', '<', cutoff)
      .execute();
    await db
      .deleteFrom('event_messages')
      .where('state', '=', 1)
      .where('created_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('event_deliveries')
              .select('event_deliveries.id')
              .whereRef('event_deliveries.message_id', '=', 'event_messages.id')
              .where('event_deliveries.status', '=', DeliveryStatus.pending),
          ),
        ),
      )
      .execute();
  }
}

function failed(error: string, final = false): Outcome {
  return { ok: false, final, code: null, excerpt: null, error, durationMs: 0 };
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

export function parseHistory(text: string | null): AttemptRecord[] {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as AttemptRecord[]) : [];
  } catch {
    return [];
  }
}
