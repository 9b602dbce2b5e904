/**
 * Steady concurrent traffic for the fault stories: several clients send requests to a few targets, one
 * after the other, for a while, and every answer is tallied per target — statuses, requests that got no
 * answer, the slowest answer, and the X-Request-Id of every request an operation answered (to be found in
 * the request log later).
 */

export interface LoadTarget {
  readonly name: string;
  readonly path: string;
  readonly init?: () => RequestInit;
}

export interface Tally {
  /** count per status */
  readonly statuses: Record<number, number>;
  /** requests that got no answer at all (connection refused or reset) */
  failures: number;
  slowestMs: number;
  /** X-Request-Id of each answer that came from an operation */
  readonly answered: string[];
  /** the body of the first answer with each status */
  readonly samples: Record<number, unknown>;
}

let sequence = 0;

export async function underLoad(
  baseUrl: string,
  targets: readonly LoadTarget[],
  options: { durationMs: number; concurrency: number; idPrefix: string },
): Promise<Record<string, Tally>> {
  const tallies: Record<string, Tally> = {};
  for (const t of targets) {
    tallies[t.name] = { statuses: {}, failures: 0, slowestMs: 0, answered: [], samples: {} };
  }
  const until = Date.now() + options.durationMs;
  let turn = 0;
  const client = async () => {
    while (Date.now() < until) {
      const target = targets[turn++ % targets.length] as LoadTarget;
      const tally = tallies[target.name] as Tally;
      const id = `${options.idPrefix}-${sequence++}`;
      const init = target.init?.() ?? {};
      const started = Date.now();
      try {
        const res = await fetch(`${baseUrl}${target.path}`, {
          ...init,
          headers: { ...(init.headers as Record<string, string> | undefined), 'x-request-id': id },
        });
        const text = await res.text();
        tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1;
        if (!(res.status in tally.samples)) {
          try {
            tally.samples[res.status] = JSON.parse(text);
          } catch {
            tally.samples[res.status] = text;
          }
        }
        if (res.headers.get('x-operation-id') !== null) tally.answered.push(id);
      } catch {
        tally.failures++;
      }
      tally.slowestMs = Math.max(tally.slowestMs, Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return tallies;
}

/** Only these statuses, and at least one answer. */
export function statusesOf(tally: Tally | undefined): number[] {
  return Object.keys(tally?.statuses ?? {})
    .map(Number)
    .sort();
}

/** Retries `check` until it is true; fails after `timeoutMs`. */
export async function recovers(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`did not recover within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Fusio's default rates allow 900 anonymous requests an hour per address; load from one test address
 * exceeds that in seconds. Lifted here so a 429 can only mean a fault test is wrong, not busy.
 */
export async function liftDefaultRates(
  call: (method: string, path: string, body: unknown) => Promise<{ status: number }>,
) {
  for (const name of ['Default', 'Default-Anonymous']) {
    const res = await call('PUT', `/backend/rate/~${name}`, { rateLimit: 1_000_000 });
    if (res.status !== 200) throw new Error(`could not lift the rate ${name}: ${res.status}`);
  }
}
