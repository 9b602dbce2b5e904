import { describe, expect, it } from 'vitest';
import { expired, slots, subWindows, take, WindowCounter, type WindowVerdict } from './sliding-window.js';

const verdict = (): WindowVerdict => ({ allowed: false, remaining: 0, resetMs: 0 });

/** Feeds requests at the given times into one counter; returns the verdict of each. */
function run(limit: number, windowMs: number, times: readonly number[]): { t: number; v: WindowVerdict }[] {
  const counter = new WindowCounter();
  const width = windowMs / subWindows;
  return times.map((t) => {
    const v = verdict();
    take(counter, limit, width, t, v);
    return { t, v };
  });
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('sliding window of sub-windows', () => {
  const W = 60_000;
  const g = W / subWindows;
  const start = 1_764_000_000_000;

  it('admits exactly the limit, then refuses, with the remaining count going down', () => {
    const results = run(
      5,
      W,
      Array.from({ length: 8 }, (_, i) => start + i),
    );
    expect(results.map((r) => r.v.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results.slice(0, 5).map((r) => r.v.remaining)).toEqual([4, 3, 2, 1, 0]);
  });

  it('does not count refused requests: hammering while refused does not push recovery back', () => {
    const counter = new WindowCounter();
    const v = verdict();
    for (let i = 0; i < 3; i++) take(counter, 3, g, start, v);
    // refused every 10 ms for a whole window
    let refused = 0;
    for (let t = start + 10; t < start + W; t += 10) {
      take(counter, 3, g, t, v);
      if (!v.allowed) refused++;
    }
    expect(refused).toBe(Math.ceil((W - 10) / 10));
    // at most one sub-window after the window the whole allowance is back
    for (let i = 0; i < 3; i++) {
      take(counter, 3, g, start + W + g, v);
      expect(v.allowed).toBe(true);
    }
  });

  it('tells exactly when a refused caller may come back', () => {
    const counter = new WindowCounter();
    const v = verdict();
    take(counter, 2, g, start + 5_000, v);
    take(counter, 2, g, start + 20_000, v);
    take(counter, 2, g, start + 30_000, v);
    expect(v.allowed).toBe(false);
    const retryAt = start + 30_000 + v.resetMs;
    take(counter, 2, g, retryAt - 1, v);
    expect(v.allowed).toBe(false);
    take(counter, 2, g, retryAt, v);
    expect(v.allowed).toBe(true);
    // the first request left: between W and W + one sub-window after it was made
    expect(retryAt - (start + 5_000)).toBeGreaterThanOrEqual(W);
    expect(retryAt - (start + 5_000)).toBeLessThanOrEqual(W + g);
  });

  it('reports, when admitting, when the oldest counted request leaves', () => {
    const counter = new WindowCounter();
    const v = verdict();
    take(counter, 10, g, start, v);
    take(counter, 10, g, start + 10_000, v);
    expect(v.remaining).toBe(8);
    const leaves = start + 10_000 + v.resetMs;
    expect(leaves - start).toBeGreaterThanOrEqual(W);
    expect(leaves - start).toBeLessThanOrEqual(W + g);
  });

  it('never lets more than the limit through in any window, and loses at most one sub-window', () => {
    for (const seed of [1, 2, 3, 4]) {
      const next = random(seed);
      const limit = 1 + Math.floor(next() * 20);
      const counter = new WindowCounter();
      const v = verdict();
      const admitted: number[] = [];
      let t = start + Math.floor(next() * W);
      for (let i = 0; i < 1500; i++) {
        // bursts and pauses: sometimes many at once, sometimes long gaps
        t += next() < 0.3 ? 0 : Math.floor(next() ** 3 * W * 0.5);
        const before = admitted.filter((a) => a > t - W - g).length;
        take(counter, limit, g, t, v);
        if (v.allowed) admitted.push(t);
        // never more than the limit in (t - W, t]
        expect(admitted.filter((a) => a > t - W).length).toBeLessThanOrEqual(limit);
        // refused only when the limit was reached within W plus one sub-window
        if (!v.allowed) expect(before).toBeGreaterThanOrEqual(limit);
      }
    }
  });

  it('has no boundary where the allowance doubles', () => {
    // everything at the very end of one window, then right after the next one starts
    const limit = 10;
    const end = (Math.floor(start / W) + 1) * W - 1;
    const times = [...Array.from({ length: limit }, () => end), ...Array.from({ length: limit }, () => end + 2)];
    const admitted = run(limit, W, times).filter((r) => r.v.allowed);
    expect(admitted.length).toBe(limit);
  });

  it('starts over after a long pause and survives the clock going back', () => {
    const counter = new WindowCounter();
    const v = verdict();
    for (let i = 0; i < 3; i++) take(counter, 3, g, start, v);
    take(counter, 3, g, start + 10 * W, v);
    expect(v).toMatchObject({ allowed: true, remaining: 2 });
    take(counter, 3, g, start + 5 * W, v);
    expect(v).toMatchObject({ allowed: true, remaining: 1 });
    expect(counter.total).toBe(2);
  });

  it('refuses everything at limit 0 and says so', () => {
    const v = run(0, W, [start])[0]?.v;
    expect(v).toMatchObject({ allowed: false, remaining: 0, resetMs: -1 });
  });

  it('marks a counter expired once everything left', () => {
    const counter = new WindowCounter();
    const v = verdict();
    take(counter, 3, g, start, v);
    expect(expired(counter, g, start + W - 1)).toBe(false);
    expect(expired(counter, g, start + slots * g)).toBe(true);
  });
});
