import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ActionRegistry } from '../actions/registry.js';
import type { Encryption } from '../auth/encryption.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ActionLogger, ConnectionAccess } from '../plugins/action.js';
import type { Settings } from '../settings/settings.js';
import { ActionRunner } from './action-runner.js';
import { CronScheduler } from './cron-scheduler.js';
import { DeliveryWorker, type JobHandler } from './delivery-worker.js';
import { WebhookSender } from './http-sender.js';
import { type DispatchRequest, type EventDispatcher, Outbox } from './outbox.js';
import { defaultRetryDelaysMs } from './retry.js';

/** How events, webhooks and cronjobs run on this node; the defaults suit production. */
export interface EventOptions {
  /** run the delivery worker in this process (default true) */
  worker?: boolean;
  /** run the cron scheduler in this process (default true) */
  scheduler?: boolean;
  /** how often the worker looks for work when nothing woke it (default 1000 ms) */
  pollIntervalMs?: number;
  /** how long a webhook receiver may take to answer (default 10 s) */
  timeoutMs?: number;
  /** how long a claimed delivery belongs to its node (default: the timeout + 30 s) */
  leaseMs?: number;
  /** delays between attempts; attempts = delays + 1 (default: 10 attempts over about 27 h) */
  retryDelaysMs?: readonly number[];
  /** deliveries in flight at once per node (default 16) */
  concurrency?: number;
  /** finished deliveries are kept this long (default 7 days) */
  retentionMs?: number;
  /** how often each node re-reads the cronjobs (default 5 s) */
  cronReloadMs?: number;
}

export interface EventServiceDeps {
  db: Kysely<Database>;
  dialect: DialectName;
  logger: Logger;
  encryption: Encryption;
  actions: ActionRegistry;
  actionLogger: ActionLogger;
  connections: ConnectionAccess;
  baseUrl: string;
  /** the settings cache (webhook_allow_private), rebuilt on every node when a setting changes */
  settings: Pick<Settings, 'boolean'>;
}

/**
 * Events, webhooks, triggers and cronjobs on this node: the outbox actions dispatch into, the delivery
 * worker and the cron scheduler — all inside the server, with nothing else to run.
 */
export class EventService implements EventDispatcher {
  readonly outbox: Outbox;
  private readonly worker: DeliveryWorker;
  private readonly scheduler: CronScheduler;
  private readonly sender: WebhookSender;
  private readonly timeoutMs: number;
  private readonly runWorker: boolean;
  private readonly runScheduler: boolean;
  private started = false;

  constructor(
    private readonly deps: EventServiceDeps,
    options: EventOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.runWorker = options.worker ?? true;
    this.runScheduler = options.scheduler ?? true;
    const logger = deps.logger.child({ component: 'events' });
    this.outbox = new Outbox(deps.db, deps.dialect, deps.encryption, () => this.worker.wake());
    this.sender = new WebhookSender(() => deps.settings.boolean('webhook_allow_private'), this.timeoutMs);
    const runner = new ActionRunner({
      db: deps.db,
      actions: deps.actions,
      logger: deps.actionLogger,
      connections: deps.connections,
      baseUrl: deps.baseUrl,
      dispatcher: this,
    });
    this.worker = new DeliveryWorker(
      {
        db: deps.db,
        dialect: deps.dialect,
        logger,
        encryption: deps.encryption,
        outbox: this.outbox,
        sender: this.sender,
        runner,
      },
      {
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
        leaseMs: options.leaseMs ?? this.timeoutMs + 30_000,
        retryDelaysMs: options.retryDelaysMs ?? defaultRetryDelaysMs,
        concurrency: options.concurrency ?? 16,
        retentionMs: options.retentionMs ?? 7 * 86_400_000,
      },
    );
    this.scheduler = new CronScheduler(
      {
        db: deps.db,
        dialect: deps.dialect,
        logger,
        runner,
        node: `${os.hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`,
      },
      { reloadIntervalMs: options.cronReloadMs ?? 5_000 },
    );
  }

  /** Encrypts a value kept at rest (a webhook's signing secret). */
  seal(plain: string): string {
    return this.deps.encryption.encrypt(plain);
  }

  /** Stores an event in the outbox; resolves with its id once it is durable. */
  dispatch(event: DispatchRequest): Promise<string> {
    return this.outbox.dispatch(event);
  }

  /** A durable background job run by the handler registered under `job` (see registerJob). */
  enqueueJob(job: string, payload: unknown): Promise<string> {
    return this.outbox.enqueueJob(job, payload);
  }

  /** Registers what runs a kind of job; every node that runs the worker needs the same registrations. */
  registerJob(job: string, handler: JobHandler): void {
    this.worker.registerJob(job, handler);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.runWorker) this.worker.start();
    if (this.runScheduler) await this.scheduler.start();
  }

  /** Re-reads the cronjobs now (after a change through this node's API). */
  async cronjobsChanged(): Promise<void> {
    if (this.runScheduler && this.started) await this.scheduler.changed();
  }

  /** The configuration changed (on this node or another): re-read the cronjobs now. */
  async configChanged(): Promise<void> {
    await this.cronjobsChanged().catch((error) =>
      this.deps.logger.warn({ err: error }, 'cronjobs could not be reloaded'),
    );
  }

  /** Waits a bounded time for deliveries and cron runs in flight; the rest are retried after their lease. */
  /** Resolves once every stored event and job due now has been handled (see DeliveryWorker.settled). */
  settled(timeoutMs?: number): Promise<boolean> {
    return this.worker.settled(timeoutMs);
  }

  async close(): Promise<void> {
    const waitMs = Math.min(this.timeoutMs + 1_000, 15_000);
    await Promise.all([this.scheduler.close(waitMs), this.worker.close(waitMs)]);
    await this.sender.close();
  }
}
