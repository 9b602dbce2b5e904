import type { Logger } from 'pino';
import type { TracingConfig } from '../config.js';
import type { RequestTracer, UpstreamSpan } from './tracer.js';

/**
 * Tracing as the rest of Portico sees it. Nothing of OpenTelemetry is imported here: with no OTLP endpoint
 * configured `startTracing` returns null, the pipeline runs untraced and `upstreamSpan` returns null, so
 * tracing costs nothing. With one, tracing-otel.ts is loaded on demand.
 */

/** The tracer of this process, for the places requests leave Portico (connections/http.ts). */
let active: RequestTracer | null = null;

/** Starts tracing when an endpoint is configured; null (and nothing loaded) otherwise. */
export async function startTracing(config: TracingConfig | undefined, logger: Logger): Promise<RequestTracer | null> {
  if (config === undefined) return null;
  const { createOtelTracer } = await import('./tracing-otel.js');
  const tracer = createOtelTracer(config, logger);
  active = tracer;
  logger.info({ endpoint: safeEndpoint(config.endpoint), sampler: config.sampler }, 'tracing: sending spans over OTLP');
  return {
    trace: (req, reply, handle) => tracer.trace(req, reply, handle),
    upstream: (method, url) => tracer.upstream(method, url),
    async shutdown() {
      if (active === tracer) active = null;
      await tracer.shutdown();
    },
  };
}

/** Whether this process traces at all: one check on the paths that would otherwise do nothing more. */
export function tracingActive(): boolean {
  return active !== null;
}

/** A client span for an outgoing HTTP call when the current request is traced; null otherwise (the usual case). */
export function upstreamSpan(method: string, url: string): UpstreamSpan | null {
  return active === null ? null : active.upstream(method, url);
}

function safeEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid)';
  }
}
