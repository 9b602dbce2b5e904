import { describe, expect, it } from 'vitest';
import { defaultRetryDelaysMs, maxAttempts, retryDelay } from './retry.js';

describe('the retry schedule', () => {
  it('tries ten times over about a day', () => {
    expect(maxAttempts(defaultRetryDelaysMs)).toBe(10);
    const total = defaultRetryDelaysMs.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * 3_600_000);
    expect(total).toBeLessThan(30 * 3_600_000);
    for (let i = 1; i < defaultRetryDelaysMs.length; i++) {
      expect(defaultRetryDelaysMs[i]).toBeGreaterThan(defaultRetryDelaysMs[i - 1] as number);
    }
  });

  it('varies each delay by a quarter either way', () => {
    expect(retryDelay([1000], 1, () => 0)).toBe(750);
    expect(retryDelay([1000], 1, () => 0.5)).toBe(1000);
    expect(retryDelay([1000], 1, () => 0.999999)).toBe(1250);
    const seen = new Set(Array.from({ length: 50 }, () => retryDelay([10_000], 1)));
    expect(seen.size).toBeGreaterThan(10);
  });

  it('has no delay after the last attempt', () => {
    expect(retryDelay([100, 200], 2)).toBeGreaterThan(0);
    expect(retryDelay([100, 200], 3)).toBeUndefined();
  });
});
