import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config.js';
import { portico } from '../version.js';
import type { RequestTracer, UpstreamSpan } from './tracer.js';

/** Loaded only when an OTLP endpoint is configured (tracing.ts). */
export function createOtelTracer(config: TracingConfig, logger: Logger): RequestTracer {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': portico.version }),
    sampler: samplerOf(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: reporting(new OTLPTraceExporter({ url: config.endpoint }), logger),
        scheduledDelayMillis: config.scheduleDelayMs,
      }),
    ],
  });
  const tracer = provider.getTracer('portico', portico.version);
  const propagator = new W3CTraceContextPropagator();
  // not OpenTelemetry's global context manager: Portico starts and ends its spans itself
  const current = new AsyncLocalStorage<Context>();

  return {
    async trace(req, reply, handle) {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const { host, port } = hostOf(req.headers.host);
      const attributes: Attributes = {
        'http.request.method': req.method,
        'url.path': pathOf(req.url),
        'url.scheme': req.protocol,
        'client.address': req.ip,
        'network.protocol.version': req.raw.httpVersion,
        'portico.request.id': req.id,
      };
      if (host) attributes['server.address'] = host;
      if (port) attributes['server.port'] = port;
      const agent = req.headers['user-agent'];
      if (agent) attributes['user_agent.original'] = agent;
      const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes }, parent);
      try {
        await current.run(trace.setSpan(parent, span), () =>
          handle({
            operation(name, route) {
              span.updateName(name);
              span.setAttribute('http.route', route);
              span.setAttribute('portico.operation', name);
            },
          }),
        );
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        throw error;
      } finally {
        const status = reply.statusCode;
        span.setAttribute('http.response.status_code', status);
        // for a server span only 5xx is an error: 4xx is the caller's
        if (status >= 500) {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      }
    },

    upstream(method, url): UpstreamSpan | null {
      const context = current.getStore();
      if (context === undefined) return null;
      const target = safeUrl(url);
      const attributes: Attributes = { 'http.request.method': method, 'url.full': target.full };
      if (target.host) attributes['server.address'] = target.host;
      if (target.port) attributes['server.port'] = target.port;
      const span = tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, context);
      const headers: Record<string, string> = {};
      propagator.inject(trace.setSpan(context, span), headers, defaultTextMapSetter);
      return {
        headers,
        end(status, error) {
          if (status !== null) span.setAttribute('http.response.status_code', status);
          if (error !== undefined) {
            span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR });
          } else if (status !== null && status >= 400) {
            span.setAttribute('error.type', String(status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },

    async shutdown() {
      await provider.shutdown();
    },
  };
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The exporter, with failed exports logged (at most once a minute) instead of vanishing. */
function reporting(exporter: SpanExporter, logger: Logger): SpanExporter {
  let lastLogged = 0;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && Date.now() - lastLogged > 60_000) {
          lastLogged = Date.now();
          logger.warn({ err: result.error?.message, spans: spans.length }, 'tracing: sending spans failed');
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function hostOf(header: string | undefined): { host: string | undefined; port: number | undefined } {
  if (!header) return { host: undefined, port: undefined };
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (!match) return { host: undefined, port: undefined };
  return { host: match[1], port: match[2] ? Number(match[2]) : undefined };
}

/** The URL without credentials or query (either may hold secrets). */
function safeUrl(url: string): { full: string; host: string | undefined; port: number | undefined } {
  try {
    const u = new URL(url);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { full: `${u.protocol}//${u.host}${u.pathname}`, host: u.hostname, port };
  } catch {
    return { full: url.split('?')[0] ?? url, host: undefined, port: undefined };
  }
}
