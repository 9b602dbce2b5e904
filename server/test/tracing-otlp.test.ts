import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startTracing, upstreamSpan } from '../src/telemetry/tracing.js';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { TestUpstream } from './support/http-upstream.js';

/** One span as OTLP/HTTP JSON carries it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  status?: { code?: number };
}

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/** A tiny OTLP/HTTP receiver: collects every span posted to /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; services: string[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: OtlpSpan['attributes'] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          if (service) services.push(service);
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    services,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
}

async function spanWhere(spans: OtlpSpan[], match: (s: OtlpSpan) => boolean, timeoutMs = 5000): Promise<OtlpSpan> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = spans.find(match);
    if (found) return found;
    if (Date.now() > until) throw new Error(`no such span arrived; got ${spans.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const [database] = await systemDatabases();

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let upstream: TestUpstream;
  let h: Harness;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    upstream = await TestUpstream.start();
    h = await startHarness(database!, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'portico-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const backend = h.admin.backend();
    await backend.action().create({
      name: 'traced-upstream',
      class: 'Fusio.Adapter.Http.Action.HttpRaw',
      config: { url: `${upstream.url}/items/{{ request.params.id }}` },
    });
    await backend.action().create({
      name: 'unreachable',
      class: 'Fusio.Adapter.Http.Action.HttpRaw',
      config: { url: `http://127.0.0.1:${await freePort()}/nothing` },
    });
    await backend.operation().create({
      name: 'items.get',
      httpMethod: 'GET',
      httpPath: '/traced/:id',
      action: 'traced-upstream',
      public: true,
    });
    await backend.operation().create({
      name: 'broken.get',
      httpMethod: 'GET',
      httpPath: '/broken',
      action: 'unreachable',
      public: true,
    });
  });
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    await receiver?.close();
  });

  it('continues the caller’s trace in a server span named by the operation, and the upstream continues it too', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const res = await h.fetch('/traced/17?color=blue', {
      headers: {
        traceparent: `00-${traceId}-${callerSpan}-01`,
        'x-request-id': 'trace-me-1',
        'user-agent': 'tracing-test',
      },
    });
    expect(res.status).toBe(200);
    await res.text();

    const server = await spanWhere(receiver.spans, (s) => s.traceId === traceId && s.kind === SERVER);
    expect(server.name).toBe('items.get');
    expect(server.parentSpanId).toBe(callerSpan);
    expect(attribute(server, 'http.request.method')).toBe('GET');
    expect(attribute(server, 'http.route')).toBe('/traced/:id');
    expect(attribute(server, 'url.path')).toBe('/traced/17');
    expect(attribute(server, 'url.scheme')).toBe('http');
    expect(attribute(server, 'http.response.status_code')).toBe(200);
    expect(attribute(server, 'portico.request.id')).toBe('trace-me-1');
    expect(attribute(server, 'user_agent.original')).toBe('tracing-test');
    expect(attribute(server, 'client.address')).toBe('127.0.0.1');
    expect(receiver.services).toContain('portico-under-test');

    const client = await spanWhere(receiver.spans, (s) => s.traceId === traceId && s.kind === CLIENT);
    expect(client.parentSpanId).toBe(server.spanId);
    expect(attribute(client, 'http.request.method')).toBe('GET');
    // no query in the recorded URL: it may hold secrets
    expect(attribute(client, 'url.full')).toBe(`${upstream.url}/items/17`);
    expect(attribute(client, 'http.response.status_code')).toBe(200);

    const seen = upstream.to('/items/17').at(-1);
    expect(seen?.headers.traceparent).toBe(`00-${traceId}-${client.spanId}-01`);
  });

  it('starts a new trace when the caller sends none', async () => {
    const res = await h.fetch('/traced/18', { headers: { 'x-request-id': 'trace-me-2' } });
    await res.text();
    const server = await spanWhere(
      receiver.spans,
      (s) => s.kind === SERVER && attribute(s, 'portico.request.id') === 'trace-me-2',
    );
    expect(server.parentSpanId ?? '').toBe('');
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    const traceparent = upstream.to('/items/18').at(-1)?.headers.traceparent;
    expect(traceparent).toMatch(new RegExp(`^00-${server.traceId}-[0-9a-f]{16}-01$`));
  });

  it('marks 5xx answers and failed upstream calls as errors', async () => {
    const res = await h.fetch('/broken', { headers: { 'x-request-id': 'trace-me-3' } });
    expect(res.status).toBeGreaterThanOrEqual(500);
    await res.text();
    const server = await spanWhere(
      receiver.spans,
      (s) => s.kind === SERVER && attribute(s, 'portico.request.id') === 'trace-me-3',
    );
    expect(server.name).toBe('broken.get');
    expect(server.status?.code).toBe(ERROR);
    expect(attribute(server, 'error.type')).toBe(String(res.status));
    const client = await spanWhere(receiver.spans, (s) => s.kind === CLIENT && s.parentSpanId === server.spanId);
    expect(client.status?.code).toBe(ERROR);
  });

  it('with no endpoint configured, tracing is off and outgoing calls get no trace headers', async () => {
    const config = loadConfig({ PORTICO_DATA_DIR: '/tmp/portico-tracing-off' });
    expect(config.tracing).toBeUndefined();
    expect(await startTracing(config.tracing, pino({ level: 'silent' }))).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_SDK_DISABLED: 'true' }).tracing).toBe(
      undefined,
    );
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).tracing?.endpoint).toBe(
      'http://c:4318/v1/traces',
    );
    // outside a traced request there is nothing to continue
    expect(upstreamSpan('GET', 'http://example.com/')).toBeNull();
  });
});
