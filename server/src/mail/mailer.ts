import type { Logger } from 'pino';

/** A plain-text mail to one recipient. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Where mails go: an SMTP server, or the log when none is configured. */
export interface MailTransport {
  /** safe to log: no credentials */
  readonly description: string;
  deliver(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** delays before each retry of a queued mail */
  retryDelaysMs?: readonly number[];
  /** how long `close()` waits for queued mails */
  drainTimeoutMs?: number;
}

/**
 * Sends mails through a transport, either awaited (`send`) or in the background (`queue`), so a
 * request that sends a mail answers as fast whether or not a mail goes out, and a slow or failing
 * mail server never holds up or breaks the request. Queued mails are retried a few times, then logged.
 */
export class Mailer {
  private readonly pending = new Set<Promise<void>>();
  private readonly retryDelaysMs: readonly number[];
  private readonly drainTimeoutMs: number;
  private readonly sleepers = new Set<() => void>();
  private closing = false;

  constructor(
    readonly transport: MailTransport,
    private readonly logger: Logger,
    options: MailerOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [2_000, 15_000];
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  }

  /** Sends now; rejects when the transport fails. */
  async send(message: MailMessage): Promise<void> {
    await this.transport.deliver(sanitize(message));
  }

  /**
   * Sends in the background; `label` names the mail in logs (never the address or the content).
   * A function is run in the background too and may decide that no mail goes out (null).
   */
  queue(message: MailMessage | (() => Promise<MailMessage | null>), label: string): void {
    const task = this.prepareAndDeliver(message, label).finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once every queued mail was sent or given up on. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  get queued(): number {
    return this.pending.size;
  }

  /** Stops retrying, waits a bounded time for mails in flight, closes the transport. */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of [...this.sleepers]) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.drainTimeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.pending.size > 0)
      this.logger.warn({ mails: this.pending.size }, 'mails still queued at shutdown were dropped');
    await this.transport.close();
  }

  private async prepareAndDeliver(
    source: MailMessage | (() => Promise<MailMessage | null>),
    label: string,
  ): Promise<void> {
    let message: MailMessage | null;
    try {
      message = typeof source === 'function' ? await source() : source;
    } catch (error) {
      this.logger.error({ mail: label, err: error }, 'mail could not be prepared');
      return;
    }
    if (message) await this.deliverWithRetries(sanitize(message), label);
  }

  private async deliverWithRetries(message: MailMessage, label: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.deliver(message);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        const reason = error instanceof Error ? error.message : String(error);
        if (delay === undefined || this.closing) {
          this.logger.error({ mail: label, attempts: attempt + 1, reason }, 'mail could not be sent');
          return;
        }
        this.logger.warn({ mail: label, attempt: attempt + 1, reason }, 'mail failed, retrying');
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.sleepers.add(done);
    });
  }
}

/** Header values must be one line: a template with a line break must not be able to add headers. */
function sanitize(message: MailMessage): MailMessage {
  return {
    to: message.to.replace(/[\r\n]/g, ''),
    subject: message.subject.replace(/[\r\n]+/g, ' ').trim(),
    text: message.text,
  };
}
