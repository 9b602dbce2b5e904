/**
 * When failed deliveries are tried again: after 10 s, 1 min, 5 min, 15 min, 1 h, 2 h, 4 h, 8 h and 12 h —
 * ten attempts over about 27 hours — each delay varied by ±25 % so that many deliveries failing at
 * once (a receiver outage) do not all come back at the same moment.
 */
export const defaultRetryDelaysMs: readonly number[] = [
  10_000, 60_000, 300_000, 900_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 43_200_000,
];

/** The delay before attempt `attempt + 1`, or undefined when `attempt` was the last one. */
export function retryDelay(delays: readonly number[], attempt: number, random = Math.random): number | undefined {
  const base = delays[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (0.75 + random() * 0.5));
}

export function maxAttempts(delays: readonly number[]): number {
  return delays.length + 1;
}
