/**
 * The counting algorithm: a sliding window made of sub-windows, counted conservatively.
 *
 * A rate's window W is cut into 60 sub-windows of width g = W/60. A caller's admitted requests are counted
 * per sub-window; a request is admitted while the requests counted in the current sub-window and the 60
 * before it are fewer than the limit. Those 61 sub-windows always cover the last W (and at most g more), so
 * no interval of length W ever holds more than `limit` admitted requests, and an admitted request stops
 * counting between W and W + g after it was made. Rejected requests are not counted. docs/rate-limits.md
 * explains why this and not a fixed window, a token bucket or a log of every request.
 *
 * The Redis store runs the same steps in Lua (redis-script.ts); the two must stay in step.
 */
export const subWindows = 60;
/** ring positions: the current sub-window and the 60 before it */
export const slots = subWindows + 1;

/** One caller's counts for one rate. */
export class WindowCounter {
  readonly counts = new Uint32Array(slots);
  /** newest sub-window seen (absolute number: floor(time / width)) */
  last = -1;
  /** requests counted in sub-windows last - 60 … last */
  total = 0;
  /** oldest sub-window that still holds a count, -1 when total is 0 */
  oldest = -1;
}

export interface WindowVerdict {
  allowed: boolean;
  /** requests still allowed after this one (0 when rejected) */
  remaining: number;
  /**
   * milliseconds until the allowance grows again: when admitted, until the oldest counted request leaves;
   * when rejected, until a request would be admitted (-1: never, the limit is 0)
   */
  resetMs: number;
}

/**
 * Counts one request at `now` (epoch ms) against `limit` per window of `width * 60` ms, writing the verdict
 * into `out` (reused: the hot path allocates nothing). The caller's counter is only changed when admitted,
 * apart from forgetting sub-windows that left the window.
 */
export function take(counter: WindowCounter, limit: number, width: number, now: number, out: WindowVerdict): void {
  let sub = Math.floor(now / width);
  const counts = counter.counts;
  if (counter.last >= 0 && sub < counter.last) {
    // the clock went back: count in the newest sub-window seen instead
    sub = counter.last;
  }
  if (counter.last < 0 || sub - counter.last >= slots) {
    if (counter.total > 0) counts.fill(0);
    counter.total = 0;
    counter.oldest = -1;
    counter.last = sub;
  } else if (sub > counter.last) {
    for (let s = counter.last + 1; s <= sub; s++) {
      const i = s % slots;
      counter.total -= counts[i] as number;
      counts[i] = 0;
    }
    counter.last = sub;
    if (counter.total <= 0) {
      counter.total = 0;
      counter.oldest = -1;
    } else if (counter.oldest <= sub - slots) {
      counter.oldest = firstHolding(counts, sub - slots + 1, sub);
    }
  }

  if (counter.total < limit) {
    counts[sub % slots] = (counts[sub % slots] as number) + 1;
    counter.total++;
    if (counter.oldest < 0) counter.oldest = sub;
    out.allowed = true;
    out.remaining = limit - counter.total;
    out.resetMs = Math.ceil((counter.oldest + slots) * width - now);
    return;
  }
  out.allowed = false;
  out.remaining = 0;
  out.resetMs = -1;
  if (counter.oldest < 0) return;
  // the allowance returns when enough of the oldest sub-windows have left
  let leaving = 0;
  for (let s = counter.oldest; s <= sub; s++) {
    leaving += counts[s % slots] as number;
    if (counter.total - leaving < limit) {
      out.resetMs = Math.ceil((s + slots) * width - now);
      return;
    }
  }
}

function firstHolding(counts: Uint32Array, from: number, to: number): number {
  for (let s = from; s <= to; s++) if ((counts[s % slots] as number) > 0) return s;
  return -1;
}

/** True when every request the counter holds has left the window at `now`: it can be forgotten. */
export function expired(counter: WindowCounter, width: number, now: number): boolean {
  return Math.floor(now / width) - counter.last >= slots;
}
