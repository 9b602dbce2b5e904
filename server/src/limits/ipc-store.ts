import { makeRoom, maxCountersPerRate, type SharedWindows } from './limiter.js';
import type { CompiledRate } from './rate-table.js';
import { expired, take, WindowCounter, type WindowVerdict } from './sliding-window.js';

/**
 * Rate limit windows for the workers of `portico serve --workers N` without Redis: the primary process
 * holds every count, the workers ask it over cluster IPC. Exact (one process decides, in order), at the
 * price of an IPC round trip per limited request; the takes of one event-loop turn travel as one message
 * each way. Redis is faster and also spans machines (docs/operations.md).
 */

/** One count asked of the primary: the rate's key stem, the caller, the limit and the sub-window width. */
export type TakeRequest = [stem: string, caller: number | string, limit: number, width: number];
/** Its verdict: admitted (1) or not (0), remaining, ms until the allowance grows (-1: never). */
export type TakeReply = [admitted: 0 | 1, remaining: number, resetMs: number];

/** How a worker reaches the primary. */
export interface WindowsChannel {
  readonly ready: boolean;
  takeAll(batch: TakeRequest[]): Promise<TakeReply[]>;
}

interface Waiting {
  resolve(verdict: WindowVerdict): void;
  reject(error: unknown): void;
}

/** The worker's side: queues the takes of this turn of the event loop and sends them as one batch. */
export class IpcWindows implements SharedWindows {
  private batch: TakeRequest[] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly channel: WindowsChannel) {}

  get ready(): boolean {
    return !this.closed && this.channel.ready;
  }

  take(rate: CompiledRate, caller: number | string): Promise<WindowVerdict> {
    return new Promise((resolve, reject) => {
      this.batch.push([rate.keyStem, caller, rate.limit, rate.width]);
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    const batch = this.batch;
    const waiting = this.waiting;
    this.batch = [];
    this.waiting = [];
    this.scheduled = false;
    this.channel.takeAll(batch).then(
      (replies) => {
        waiting.forEach((w, i) => {
          const reply = replies[i];
          if (reply === undefined) w.reject(new Error('the primary answered fewer counts than asked'));
          else w.resolve({ allowed: reply[0] === 1, remaining: reply[1], resetMs: reply[2] });
        });
      },
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The primary's side: one window per rate and caller for all workers, in this process's memory. */
export class PrimaryWindows {
  private readonly rates = new Map<string, { width: number; counters: Map<number | string, WindowCounter> }>();
  private readonly verdict: WindowVerdict = { allowed: true, remaining: 0, resetMs: 0 };

  takeAll(batch: readonly TakeRequest[], now = Date.now()): TakeReply[] {
    const replies: TakeReply[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const [stem, caller, limit, width] = batch[i] as TakeRequest;
      let rate = this.rates.get(stem);
      if (rate === undefined) {
        rate = { width, counters: new Map() };
        this.rates.set(stem, rate);
      }
      let counter = rate.counters.get(caller);
      if (counter === undefined) {
        if (rate.counters.size >= maxCountersPerRate) makeRoom(rate.counters, width, now, maxCountersPerRate);
        counter = new WindowCounter();
        rate.counters.set(caller, counter);
      }
      take(counter, limit, width, now, this.verdict);
      replies[i] = [this.verdict.allowed ? 1 : 0, this.verdict.remaining, this.verdict.resetMs];
    }
    return replies;
  }

  /** Forgets callers whose requests all left their window, and rates nobody counts in any more. */
  sweep(now = Date.now()): void {
    for (const [stem, rate] of this.rates) {
      for (const [caller, counter] of rate.counters) {
        if (expired(counter, rate.width, now)) rate.counters.delete(caller);
      }
      if (rate.counters.size === 0) this.rates.delete(stem);
    }
  }

  /** Callers counted right now (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const rate of this.rates.values()) n += rate.counters.size;
    return n;
  }
}
