import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Latency buckets in seconds: API gateways live between a millisecond and a few seconds. */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface OperationStats {
  /** count per "METHOD STATUS" */
  responses: Map<string, number>;
  /** cumulative counts per bucket, plus +Inf at the end */
  bucketCounts: number[];
  sum: number;
  count: number;
}

interface UpstreamStats {
  bucketCounts: number[];
  sum: number;
  count: number;
  errors: number;
}

function newHistogram(): { bucketCounts: number[]; sum: number; count: number } {
  return { bucketCounts: new Array(buckets.length + 1).fill(0), sum: 0, count: 0 };
}

function observeInto(h: { bucketCounts: number[]; sum: number; count: number }, seconds: number): void {
  h.sum += seconds;
  h.count++;
  let i = 0;
  while (i < buckets.length && seconds > (buckets[i] as number)) i++;
  (h.bucketCounts[i] as number)++;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function histogramLines(
  name: string,
  labels: string,
  h: { bucketCounts: number[]; sum: number; count: number },
): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  buckets.forEach((le, i) => {
    cumulative += h.bucketCounts[i] as number;
    lines.push(`${name}_bucket{${labels},le="${le}"} ${cumulative}`);
  });
  cumulative += h.bucketCounts[buckets.length] as number;
  lines.push(`${name}_bucket{${labels},le="+Inf"} ${cumulative}`);
  lines.push(`${name}_sum{${labels}} ${h.sum}`);
  lines.push(`${name}_count{${labels}} ${h.count}`);
  return lines;
}

export interface MetricsSources {
  requestLogPending(): number;
  requestLogDropped(): number;
  /** pool figures of the system database, when the driver has a pool */
  databasePool(): { total: number; idle: number; waiting: number } | null;
}

/**
 * Prometheus metrics. Per-request counting is a few map lookups and additions into plain objects;
 * the text format is produced only when /metrics is scraped, so the hot path stays cheap.
 */
export class Metrics {
  private readonly operations = new Map<string, OperationStats>();
  private readonly upstreams = new Map<string, UpstreamStats>();
  private readonly rejections = new Map<string, number>();
  private readonly registry = new Registry();

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
    const registers = [this.registry];
    new Gauge({
      name: 'portico_request_log_queue_depth',
      help: 'Request log entries waiting to be written to the system database',
      registers,
      collect() {
        this.set(sources.requestLogPending());
      },
    });
    new Gauge({
      name: 'portico_request_log_dropped',
      help: 'Request log entries dropped because the buffer was full (since start)',
      registers,
      collect() {
        this.set(sources.requestLogDropped());
      },
    });
    const pool = new Gauge({
      name: 'portico_db_pool_connections',
      help: 'System database pool connections by state',
      labelNames: ['state'],
      registers,
      collect() {
        const figures = sources.databasePool();
        if (!figures) return;
        pool.set({ state: 'total' }, figures.total);
        pool.set({ state: 'idle' }, figures.idle);
        pool.set({ state: 'waiting' }, figures.waiting);
      },
    });
  }

  /** One answered request. */
  request(operation: string, method: string, status: number, durationMs: number): void {
    let stats = this.operations.get(operation);
    if (!stats) {
      stats = { responses: new Map(), ...newHistogram() };
      this.operations.set(operation, stats);
    }
    const key = `${method} ${status}`;
    stats.responses.set(key, (stats.responses.get(key) ?? 0) + 1);
    observeInto(stats, durationMs / 1000);
  }

  /** One call to an upstream (HTTP connection, database, broker), named by its connection. */
  upstream(connection: string, durationMs: number, failed: boolean): void {
    let stats = this.upstreams.get(connection);
    if (!stats) {
      stats = { ...newHistogram(), errors: 0 };
      this.upstreams.set(connection, stats);
    }
    observeInto(stats, durationMs / 1000);
    if (failed) stats.errors++;
  }

  rateLimited(rate: string): void {
    this.rejections.set(rate, (this.rejections.get(rate) ?? 0) + 1);
  }

  /** The Prometheus text exposition. */
  async render(): Promise<string> {
    const lines: string[] = [
      '# HELP portico_requests_total Requests answered, by operation, method and status',
      '# TYPE portico_requests_total counter',
    ];
    for (const [operation, stats] of this.operations) {
      for (const [key, count] of stats.responses) {
        const [method, status] = key.split(' ');
        lines.push(
          `portico_requests_total{operation="${escapeLabel(operation)}",method="${method}",status="${status}"} ${count}`,
        );
      }
    }
    lines.push(
      '# HELP portico_request_duration_seconds Time from routing to response, by operation',
      '# TYPE portico_request_duration_seconds histogram',
    );
    for (const [operation, stats] of this.operations) {
      lines.push(...histogramLines('portico_request_duration_seconds', `operation="${escapeLabel(operation)}"`, stats));
    }
    lines.push(
      '# HELP portico_upstream_duration_seconds Time spent waiting for upstreams, by connection',
      '# TYPE portico_upstream_duration_seconds histogram',
    );
    for (const [connection, stats] of this.upstreams) {
      lines.push(
        ...histogramLines('portico_upstream_duration_seconds', `connection="${escapeLabel(connection)}"`, stats),
      );
    }
    lines.push(
      '# HELP portico_upstream_errors_total Failed upstream calls, by connection',
      '# TYPE portico_upstream_errors_total counter',
    );
    for (const [connection, stats] of this.upstreams) {
      lines.push(`portico_upstream_errors_total{connection="${escapeLabel(connection)}"} ${stats.errors}`);
    }
    lines.push(
      '# HELP portico_rate_limit_rejections_total Requests refused by a rate limit, by rate',
      '# TYPE portico_rate_limit_rejections_total counter',
    );
    for (const [rate, count] of this.rejections) {
      lines.push(`portico_rate_limit_rejections_total{rate="${escapeLabel(rate)}"} ${count}`);
    }
    return `${lines.join('\n')}\n${await this.registry.metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
