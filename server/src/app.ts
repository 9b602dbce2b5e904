import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { PorticoConfig } from './config.js';
import { renderError } from './errors.js';
import { corsHeaders, corsPolicy } from './gateway/cors.js';
import { createPipeline } from './gateway/pipeline.js';
import { createPlatform, type PlatformOptions } from './runtime/create-platform.js';
import type { Platform } from './runtime/platform.js';
import { recordAudit } from './telemetry/audit.js';

export interface Portico {
  readonly fastify: FastifyInstance;
  readonly platform: Platform;
  readonly generatedAdminPassword: string | undefined;
  /** stops accepting requests, finishes those in flight, writes buffered logs, closes connections */
  close(): Promise<void>;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds Portico: the platform and its HTTP server, ready to `listen` (or to `inject` in tests). */
export async function createPortico(config: PorticoConfig, options: PlatformOptions = {}): Promise<Portico> {
  const running = await createPlatform(config, options);
  const { platform } = running;
  const cors = corsPolicy(config.corsOrigins);
  const fastify = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId(req) {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });

  // bodies stay raw until the operation says how to read them
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  fastify.setErrorHandler((error, req, reply) => {
    const rendered = renderError(error, config.debug);
    if (rendered.status >= 500) platform.logger.error({ err: error, requestId: req.id }, 'request failed');
    reply
      .code(rendered.status)
      .headers({ 'x-request-id': req.id, ...corsHeaders(req.headers.origin, cors), ...rendered.headers })
      .send(rendered.body);
  });

  const pipeline = createPipeline({
    gateway: platform.gateway,
    tokens: platform.tokens,
    requestLog: platform.requestLog,
    cors,
    debug: config.debug,
    logger: platform.logger,
    audit: (entry) => recordAudit(platform.db, entry),
  });
  fastify.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '*',
    handler: pipeline,
  });

  let closing: Promise<void> | null = null;
  return {
    fastify,
    platform,
    generatedAdminPassword: running.generatedAdminPassword,
    close() {
      closing ??= (async () => {
        await fastify.close();
        await running.close();
      })();
      return closing;
    },
  };
}
