import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { CustomActionLoader, type LoadReport } from './actions/custom/loader.js';
import type { Platform } from './api/platform.js';
import { covers } from './auth/scopes.js';
import { safeEqual } from './auth/secrets.js';
import { recordAudit } from './changes/audit.js';
import type { PorticoConfig } from './config.js';
import { renderError } from './errors.js';
import { corsHeaders, corsPolicy } from './gateway/cors.js';
import { gatewayEntry, requestIdOf } from './gateway/entry.js';
import { createPipeline, type GatewayRequest } from './gateway/pipeline.js';
import { ToolCatalogue } from './mcp/catalogue.js';
import { registerMcpHttp } from './mcp/http.js';
import { registerJsonRpc } from './mcp/jsonrpc.js';
import type { McpDeps } from './mcp/server.js';
import { createPlatform, type PlatformOptions } from './runtime/create-platform.js';
import { captchaWidget } from './settings/branding.js';
import { startTracing } from './telemetry/tracing.js';
import { portico as porticoVersion } from './version.js';
import { registerWebApps } from './web/serve.js';

export interface Portico {
  readonly fastify: FastifyInstance;
  readonly platform: Platform;
  readonly generatedAdminPassword: string | undefined;
  /** the operations as MCP tools and the pipeline they run through (`portico mcp` serves them over stdio) */
  readonly mcp: McpDeps;
  /** re-reads ACTIONS_DIR and applies added, changed and removed custom actions at once */
  reloadActions(): Promise<LoadReport>;
  /**
   * stops accepting requests, lets those in flight finish (up to SHUTDOWN_GRACE_PERIOD, then closes their
   * connections), writes buffered logs and spans, closes connections
   */
  close(): Promise<void>;
}

/** Builds Portico: the platform and its HTTP server, ready to `listen` (or to `inject` in tests). */
export async function createPortico(config: PorticoConfig, options: PlatformOptions = {}): Promise<Portico> {
  const customActions = new CustomActionLoader(config.actionsDir, options.logger ?? pino({ level: config.logLevel }));
  const { types: customTypes } = await customActions.scan();
  const running = await createPlatform(config, {
    ...options,
    actionTypes: [...(options.actionTypes ?? []), ...customTypes],
  });
  const { platform } = running;
  const reloadActions = async () => {
    const report = await customActions.apply(platform.actions);
    await platform.configChanged();
    return report;
  };
  const watcher = config.actionsWatch ? watchActions(config.actionsDir, reloadActions, platform) : null;
  // OpenTelemetry is imported only when an OTLP endpoint is configured
  const tracer = await startTracing(config.tracing, platform.logger);
  const cors = corsPolicy(config.corsOrigins);
  // the server's listener: Fastify's handler until the gateway's entry is in front of it (gateway/entry.ts)
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const fastify = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Fastify may ask for more than one server (a host name that resolves to several addresses)
    serverFactory(handler) {
      fastifyHandler = handler;
      const server = http.createServer((req, res) => (listener ?? handler)(req, res));
      // what Fastify sets on a server it makes itself: its keep-alive timeout, no request or idle timeout
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      server.setTimeout(0);
      return server;
    },
  });
  let closingDown = false;
  fastify.addHook('preClose', async () => {
    closingDown = true;
  });

  // bodies stay raw until the operation says how to read them
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  /** The headers and body of an error no stage answered (Fastify's own, or a bug's). */
  const failure = (error: unknown, req: { id: string; headers: IncomingMessage['headers'] }) => {
    const rendered = renderError(error, config.debug);
    if (rendered.status >= 500) platform.logger.error({ err: error, requestId: req.id }, 'request failed');
    const headers: Record<string, string> = {
      'x-request-id': req.id,
      'x-content-type-options': 'nosniff',
      ...corsHeaders(req.headers.origin, cors, platform.settings.rateLimitHeaders),
      ...rendered.headers,
    };
    return { status: rendered.status, headers, body: rendered.body };
  };
  fastify.setErrorHandler((error, req, reply) => {
    const { status, headers, body } = failure(error, req);
    reply.code(status).headers(headers).send(body);
  });
  const failed = (req: GatewayRequest, res: ServerResponse, error: unknown) => {
    if (res.headersSent) {
      platform.logger.error({ err: error, requestId: req.id }, 'request failed after its answer began');
      res.destroy();
      return;
    }
    const { status, headers, body } = failure(error, req);
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  };

  const pipeline = createPipeline({
    gateway: platform.gateway,
    firewall: platform.firewall,
    tokens: platform.tokens,
    limits: platform.rateLimits,
    points: platform.points,
    metrics: platform.metrics,
    requestLog: platform.requestLog,
    cors,
    debug: config.debug,
    logger: platform.logger,
    audit: (entry) => recordAudit(platform.db, entry),
    accessLog: config.logRequests,
    rateLimitHeaders: () => platform.settings.rateLimitHeaders,
  });
  // the operations as MCP tools (/mcp) and JSON-RPC methods (/jsonrpc): the same pipeline, marked in the log
  const mcp: McpDeps = {
    catalogue: new ToolCatalogue(platform.db, platform.gateway, () =>
      platform.settings.string('mcp_platform_operations'),
    ),
    pipeline,
    tokens: platform.tokens,
    logger: platform.logger,
    version: porticoVersion.version,
  };
  const mcpHttp = registerMcpHttp(fastify, {
    ...mcp,
    gateway: platform.gateway,
    firewall: platform.firewall,
    issuer: () => platform.tokens.issuerUrl(),
    cors,
  });
  registerJsonRpc(fastify, { ...mcp, firewall: platform.firewall, cors });
  // a worker of `serve --workers N` answers /metrics for all workers: a scrape may reach any of them
  const cluster = options.cluster;
  cluster?.serveMetrics(() => platform.metrics.render());
  const renderMetrics = cluster ? () => cluster.metrics() : () => platform.metrics.render();
  // Prometheus scrapes this with METRICS_TOKEN; an administrator's token works too; METRICS_PUBLIC opens it
  fastify.get('/metrics', async (req, reply) => {
    const refused = config.metricsPublic ? null : await metricsRefusal(req.headers.authorization);
    if (refused) {
      reply.code(refused.status).header('x-content-type-options', 'nosniff');
      if (refused.status === 401) reply.header('www-authenticate', 'Bearer realm="metrics"');
      return { success: false, title: refused.status === 401 ? 'Unauthorized' : 'Forbidden', message: refused.message };
    }
    reply.header('content-type', platform.metrics.contentType).header('x-content-type-options', 'nosniff');
    return renderMetrics();
  });
  /** Why a scrape is refused, or null: the metrics token, or a token that holds backend.statistic. */
  async function metricsRefusal(authorization: string | undefined) {
    const given = authorization ?? '';
    if (config.metricsToken && safeEqual(given, `Bearer ${config.metricsToken}`)) return null;
    const bearer = /^bearer (.+)$/i.exec(given)?.[1]?.trim();
    if (bearer) {
      try {
        const verified = await platform.tokens.verify(bearer);
        if (covers(new Set(verified.scopes), 'backend.statistic')) return null;
        return { status: 403, message: 'Metrics need a token with the backend.statistic scope' };
      } catch {
        // not one of ours: the metrics token was wrong
      }
    }
    return { status: 401, message: 'Metrics need the metrics token (METRICS_TOKEN) or an administrator’s token' };
  }

  // the browser apps are routes of their own: API requests never run their code
  registerWebApps(fastify, {
    dir: config.webDir,
    basePath: new URL(config.publicUrl).pathname.replace(/\/+$/, ''),
    captcha: () => captchaWidget(platform.settings),
  });

  // what the entry does not take (bodies, odd paths, traced requests) reaches the pipeline through Fastify
  fastify.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '*',
    handler: (req, reply) => {
      // the pipeline writes the answer itself
      reply.hijack();
      const handled = tracer
        ? tracer.trace(req, reply, (span) => pipeline(req, reply.raw, span))
        : pipeline(req, reply.raw);
      handled.catch((error: unknown) => failed(req, reply.raw, error));
    },
  });
  // with tracing on, every request takes the Fastify way (the tracer reads Fastify's request)
  if (!tracer && fastifyHandler) {
    listener = gatewayEntry({
      handle: pipeline,
      fastify: fastifyHandler,
      trustProxy: config.trustProxy,
      closing: () => closingDown,
      failed,
    });
  }

  // stored tests (operation-tests/) run through this same pipeline, as requests from the caller's address
  platform.loopback.attach(async (request) => {
    const answer = await fastify.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers,
      remoteAddress: request.ip,
      ...(request.body === undefined ? {} : { payload: request.body }),
    });
    return { status: answer.statusCode, body: answer.body };
  });

  let closing: Promise<void> | null = null;
  return {
    fastify,
    platform,
    generatedAdminPassword: running.generatedAdminPassword,
    mcp,
    reloadActions,
    close() {
      closing ??= (async () => {
        watcher?.close();
        // requests in flight get the grace period to finish; then their connections are closed
        const force = setTimeout(() => {
          platform.logger.warn('grace period over: closing the connections of unfinished requests');
          fastify.server.closeAllConnections();
        }, config.shutdownGraceMs);
        try {
          await mcpHttp.close();
          await fastify.close();
        } finally {
          clearTimeout(force);
        }
        await tracer?.shutdown().catch((error) => platform.logger.warn({ err: error }, 'tracing: final flush failed'));
        await running.close();
      })();
      return closing;
    },
  };
}

/** Development: reload custom actions shortly after their files stop changing. */
function watchActions(dir: string, reload: () => Promise<LoadReport>, platform: Platform): fs.FSWatcher | null {
  if (!fs.existsSync(dir)) return null;
  let timer: NodeJS.Timeout | null = null;
  const watcher = fs.watch(dir, { recursive: true }, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      reload().catch((error) => platform.logger.error({ err: error }, 'reloading custom actions failed'));
    }, 200);
  });
  watcher.on('error', (error) => platform.logger.warn({ err: error }, 'watching custom actions stopped'));
  return watcher;
}
