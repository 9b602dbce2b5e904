import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = (await systemDatabases()).filter((d) => d.kind !== 'mysql');
const metricsToken = 'scrape-token-0123456789';

describe.each(databases)('Prometheus metrics ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database, { METRICS_TOKEN: metricsToken });
    const backend = h.admin.backend();
    await backend.action().create({
      name: 'ping',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"pong":true}' },
    });
    const op = await backend
      .operation()
      .create({ name: 'ping', httpMethod: 'GET', httpPath: '/ping', action: 'ping', public: true });
    await backend.rate().create({
      name: 'Ping-Limit',
      priority: 100,
      rateLimit: 3,
      timespan: 'PT1M',
      allocation: [{ operationId: Number(op.id) }],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function scrape(): Promise<string> {
    const res = await h.fetch('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  }

  it('counts requests by operation and status, with latency histograms and rate-limit rejections', async () => {
    for (let i = 0; i < 5; i++) await h.fetch('/ping');
    const text = await scrape();
    expect(text).toContain('portico_requests_total{operation="ping",method="GET",status="200"} 3');
    expect(text).toContain('portico_requests_total{operation="ping",method="GET",status="429"} 2');
    expect(text).toContain('portico_rate_limit_rejections_total{rate="Ping-Limit"} 2');
    expect(text).toMatch(/portico_request_duration_seconds_bucket\{operation="ping",le="\+Inf"\} 5/);
    expect(text).toMatch(/portico_request_duration_seconds_count\{operation="ping"\} 5/);
    expect(text).toMatch(/portico_request_log_queue_depth \d+/);
    expect(text).toContain('portico_process_cpu_seconds_total');
    if (database.kind === 'postgres') expect(text).toMatch(/portico_db_pool_connections\{state="total"\} \d+/);
  });

  it('needs the metrics token when one is configured, and keeps /metrics for itself', async () => {
    expect((await h.fetch('/metrics')).status).toBe(401);
    expect((await h.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(
      401,
    );
    const res = await h.fetch('/backend/operation', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'metrics.shadow',
        httpMethod: 'GET',
        httpPath: '/metrics',
        action: 'ping',
        public: true,
      }),
    });
    expect(res.status).toBe(400);
  });
});
