import type { Logger } from 'pino';

export interface BatchBufferOptions<T> {
  /** writes one batch; a rejection keeps the batch for the next attempt */
  write(batch: T[]): Promise<void>;
  logger: Logger;
  /** names what is written in log lines, e.g. "request logs" */
  what: string;
  intervalMs?: number;
  batchSize?: number;
  /** beyond this many unwritten entries the oldest are dropped (and counted), so memory stays bounded */
  maxBuffered?: number;
}

/**
 * Entries recorded on the hot path, written in batches off it: every `intervalMs`, or at once when a
 * batch is full. A failed write keeps its batch in order and is retried; `close()` writes what is left.
 * The request log and plan usage both write this way.
 */
export class BatchBuffer<T> {
  private buffer: T[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private droppedCount = 0;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: BatchBufferOptions<T>) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 200_000;
    this.timer = setInterval(() => void this.flush().catch(() => {}), options.intervalMs ?? 250);
    this.timer.unref();
  }

  get pending(): number {
    return this.buffer.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  record(entry: T): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      this.droppedCount++;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= this.batchSize && !this.flushing) void this.flush().catch(() => {});
  }

  /** Writes everything buffered so far (waits for a write already under way first). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.buffer.length ? this.flush() : undefined));
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await this.options.write(batch);
        this.failures = 0;
      } catch (error) {
        this.buffer.unshift(...batch);
        this.failures++;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.error(
            { err: error, pending: this.buffer.length },
            `writing ${this.options.what} failed; will retry`,
          );
        }
        throw error;
      }
    }
  }

  /** Stops the timer and tries a few times to write what is left; what cannot be written is logged as lost. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (let attempt = 0; attempt < 5 && this.buffer.length > 0; attempt++) {
      try {
        await this.flush();
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (this.buffer.length > 0) {
      this.options.logger.error({ lost: this.buffer.length }, `${this.options.what} could not be written`);
    }
  }
}
