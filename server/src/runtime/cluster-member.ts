import type { ClientErrorCounter } from '../firewall/client-errors.js';
import type { SharedWindows } from '../limits/limiter.js';

/**
 * What a worker of `portico serve --workers N` shares with the others through the primary: rate limit
 * counts (when there is no Redis) and /metrics of every worker at once. Failed logins are counted in
 * the system database (or Redis), which every worker shares anyway.
 */
export interface ClusterMember {
  /** node:cluster's id of this worker: a replaced worker gets a new one */
  readonly workerId: number;
  readonly rateWindows: SharedWindows;
  /** client errors per address for the firewall's automatic ban, counted in the primary for all workers */
  readonly clientErrors: ClientErrorCounter;
  /** how the primary gets this worker's metrics when any worker is scraped */
  serveMetrics(render: () => Promise<string>): void;
  /** the metrics of every worker, labelled by worker, as the primary merged them */
  metrics(): Promise<string>;
  close(): void;
}
