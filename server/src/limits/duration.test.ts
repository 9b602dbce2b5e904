import { describe, expect, it } from 'vitest';
import { durationMillis } from './duration.js';

describe('durationMillis', () => {
  it('reads the durations Fusio rates use', () => {
    expect(durationMillis('PT1H')).toBe(3_600_000);
    expect(durationMillis('PT2S')).toBe(2_000);
    expect(durationMillis('PT1M')).toBe(60_000);
    expect(durationMillis('P1D')).toBe(86_400_000);
    expect(durationMillis('P1W')).toBe(7 * 86_400_000);
    expect(durationMillis('P1M')).toBe(30 * 86_400_000);
    expect(durationMillis('P1Y')).toBe(365 * 86_400_000);
    expect(durationMillis('P1DT2H30M5S')).toBe(86_400_000 + 2 * 3_600_000 + 30 * 60_000 + 5_000);
  });

  it('refuses what is not a positive duration', () => {
    for (const bad of ['', 'P', 'PT', 'P1DT', '1H', 'PT1.5S', 'PT0S', 'P0D', 'pt1h', 'PT1H ', 'P-1D', 'P11Y', 'PT1X']) {
      expect(durationMillis(bad), bad).toBeUndefined();
    }
  });
});
