import { describe, expect, it } from 'vitest';
import { addMonth, currentPeriod } from './renewal.js';

const utc = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);

describe('free plan periods', () => {
  it('are calendar months; the 31st becomes the last day of a shorter month', () => {
    expect(addMonth(utc(2030, 1, 15, 9))).toBe(utc(2030, 2, 15, 9));
    expect(addMonth(utc(2030, 1, 31))).toBe(utc(2030, 2, 28));
    expect(addMonth(utc(2032, 1, 31))).toBe(utc(2032, 2, 29));
    expect(addMonth(utc(2030, 12, 31))).toBe(utc(2031, 1, 31));
  });

  it('start now for a first period and follow the last one after that, skipping periods nobody was there for', () => {
    const now = utc(2030, 5, 10);
    expect(currentPeriod(null, now)).toEqual({ start: now, end: utc(2030, 6, 10) });
    expect(currentPeriod(utc(2030, 5, 1), now)).toEqual({ start: utc(2030, 5, 1), end: utc(2030, 6, 1) });
    expect(currentPeriod(utc(2030, 1, 20), now)).toEqual({ start: utc(2030, 4, 20), end: utc(2030, 5, 20) });
    // a period that ends exactly now is over
    expect(currentPeriod(now, now)).toEqual({ start: now, end: utc(2030, 6, 10) });
  });
});
