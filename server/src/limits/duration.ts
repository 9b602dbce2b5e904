/**
 * ISO-8601 durations as Fusio stores a rate's timespan (`PT1H`, `P1D`, `P1M`). Calendar units become fixed
 * lengths (a month is 30 days, a year 365) because a sliding window needs one length, not a calendar.
 */
const pattern = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const unitMillis = [365 * day, 30 * day, 7 * day, day, hour, minute, second] as const;

/** The longest timespan a rate may have: ten years keeps every window inside safe integer arithmetic. */
export const maxTimespanMillis = 10 * 365 * day;

/** Milliseconds of an ISO-8601 duration, or undefined when the text is not one (or is zero or too long). */
export function durationMillis(text: string): number | undefined {
  const match = pattern.exec(text);
  if (!match || text.endsWith('T')) return undefined;
  let total = 0;
  let parts = 0;
  for (let i = 0; i < unitMillis.length; i++) {
    const value = match[i + 1];
    if (value === undefined) continue;
    parts++;
    total += Number(value) * (unitMillis[i] as number);
  }
  if (parts === 0 || total <= 0 || total > maxTimespanMillis) return undefined;
  return total;
}
