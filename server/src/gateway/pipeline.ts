import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { anonymousCaller, type Caller } from '../auth/caller.js';
import type { TokenService } from '../auth/tokens.js';
import { type AuditEntry, PendingAudit } from '../changes/audit.js';
import { notFound, PorticoError, renderError, serviceUnavailable } from '../errors.js';
import type { Firewall } from '../firewall/firewall.js';
import type { RateLimiter } from '../limits/limiter.js';
import type { PointsLedger } from '../plans/points.js';
import type { ActionRequest } from '../plugins/action.js';
import type { RateLimitHeaderForm } from '../settings/settings.js';
import { isDatabaseUnavailable } from '../sql/errors.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Channel, type RequestLogSink } from '../telemetry/request-log.js';
import type { RequestSpan } from '../telemetry/tracer.js';
import { authenticate } from './authenticate.js';
import { authorize } from './authorize.js';
import { parseBody } from './body.js';
import { chargeCall } from './charge.js';
import { type CorsPolicy, corsHeaders, preflightHeaders } from './cors.js';
import { noteClientError, screenAddress } from './firewall.js';
import type { Gateway } from './gateway.js';
import { CapturedResponse, type InternalAnswer, type InternalCall, internalRequest } from './internal-call.js';
import { limitRequest } from './limit.js';
import { respond, writeResponse } from './respond.js';
import { validateRequest } from './validate.js';
import { selectVersion } from './version.js';

export interface PipelineDeps {
  gateway: Gateway;
  /** allow and deny rules by client address, automatic bans: checked before anything else */
  firewall: Firewall;
  tokens: TokenService;
  /** rate limits: counted after authorize, before the body is read */
  limits: RateLimiter;
  /** points: operations with costs debit the caller before their action runs */
  points: PointsLedger;
  metrics: Metrics;
  requestLog: RequestLogSink;
  cors: CorsPolicy;
  debug: boolean;
  logger: Logger;
  audit(entry: AuditEntry): Promise<void>;
  /** LOG_REQUESTS: one info line per request */
  accessLog?: boolean;
  /** the `rate_limit_headers` setting, as loaded */
  rateLimitHeaders?: () => RateLimitHeaderForm;
}

import type { GatewayRequest } from './types.js';

export type { GatewayRequest };

/** Runs one request to its answer; never rejects for the request's own failures (they are its answer). */
export type GatewayHandler = (req: GatewayRequest, res: ServerResponse, span?: RequestSpan | null) => Promise<void>;

/**
 * One request, top to bottom: firewall → route → authenticate → authorize → limit → parse and validate → charge →
 * invoke → respond → record. Nothing here reads the system database (except the one debit of an operation
 * that costs points); the request log is written later, in batches.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const rateLimited = (rate: string) => deps.metrics.rateLimited(rate);
  const rateLimitHeaders = deps.rateLimitHeaders ?? (() => 'fusio' as const);
  return Object.assign(handle, { invoke });

  /** A call that arrived another way (an MCP tool call, a JSON-RPC method): the same stages, the answer captured. */
  async function invoke(call: InternalCall): Promise<InternalAnswer> {
    const res = new CapturedResponse();
    await handle(internalRequest(call), res.asResponse(), null, call.channel, call.operationId);
    return res.answer();
  }

  /**
   * `channel` marks the request log; `expected` (an internal call's operation id, 0 over HTTP) refuses a path
   * that routes to another operation than the one the caller named.
   */
  async function handle(
    req: GatewayRequest,
    res: ServerResponse,
    span: RequestSpan | null = null,
    channel: Channel = Channel.http,
    expected = 0,
  ): Promise<void> {
    const started = performance.now();
    const method = req.method;
    const url = req.url;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const refused = screenAddress(deps.firewall, req, path);
    if (refused !== null) {
      sendError(res, refused, { 'x-request-id': req.id, 'x-content-type-options': 'nosniff' }, deps);
      return;
    }
    const table = deps.gateway.table;
    const origin = req.headers.origin;

    if (method === 'OPTIONS') {
      const allow = table.allowedMethods(path);
      if (allow.length === 0) {
        sendError(res, notFound('Unknown location'), { 'x-request-id': req.id }, deps);
        return;
      }
      const requested = req.headers['access-control-request-headers'];
      writeResponse(
        res,
        204,
        { 'x-request-id': req.id, ...preflightHeaders(origin, requested, allow, deps.cors, rateLimitHeaders()) },
        undefined,
      );
      return;
    }

    const form = rateLimitHeaders();
    const cors = corsHeaders(origin, deps.cors, form);
    const match = table.find(method, path);
    if (match.kind !== 'operation') {
      const headers: Record<string, string> = { 'x-request-id': req.id, 'x-content-type-options': 'nosniff', ...cors };
      let status: number;
      if (match.kind === 'method-not-allowed') {
        headers.allow = match.allow.join(', ');
        status = sendError(
          res,
          new PorticoError('METHOD_NOT_ALLOWED', `Method ${method} is not allowed here`),
          headers,
          deps,
        );
      } else status = sendError(res, notFound('Unknown location'), headers, deps);
      noteClientError(deps.firewall, req, status, null, null);
      if (deps.accessLog) logAccess(deps.logger, req, path, status, performance.now() - started, null);
      return;
    }

    const operation = selectVersion(match.operation, req.headers['api-version']);
    if (expected !== 0 && operation.id !== expected) {
      sendError(res, notFound('The arguments lead to another operation'), { 'x-request-id': req.id }, deps);
      return;
    }
    if (span !== null) span.operation(operation.name, operation.path);
    // what cannot change is pre-rendered in operation.headers; here only what this request adds
    const headers: Record<string, string> =
      cors === null ? { 'x-request-id': req.id } : { 'x-request-id': req.id, ...cors };
    let caller: Caller = anonymousCaller;
    let status: number;
    let failure: { message: string; trace: string } | undefined;
    const raw = req.body as Buffer | undefined;
    try {
      if (!operation.active) throw new PorticoError('GONE', 'This action is no longer available');
      const authenticated = authenticate(req.headers.authorization, operation, deps.tokens);
      caller = authenticated instanceof Promise ? await authenticated : authenticated;
      authorize(operation, caller);
      const limited = limitRequest(deps.limits, operation, caller, req.ip, headers, form, rateLimited);
      if (limited) await limited;
      const body = parseBody(raw, req.headers['content-type'], operation.body);
      validateRequest(operation, body, req.query as ActionRequest['query']);
      const charged = chargeCall(deps.points, operation, caller);
      if (charged) await charged;
      const request: ActionRequest = {
        method,
        path,
        params: match.params,
        query: req.query as ActionRequest['query'],
        headers: req.headers,
        body,
        rawBody: raw,
        ip: req.ip,
        requestId: req.id,
      };
      const audit = operation.audited
        ? new PendingAudit({
            userId: caller.user?.id ?? null,
            appId: caller.app?.id ?? null,
            event: operation.name,
            ip: req.ip,
            message: `${operation.name} by ${caller.user?.name ?? 'anonymous'}`,
            content: operation.auditBody ? operation.auditBody(body) : body,
          })
        : undefined;
      const ran = operation.run({ request, caller, operation, audit });
      // an answer that is ready (a static response, a cached one) costs no turn of the microtask queue
      const result = isThenable(ran) ? await ran : ran;
      // a write that changed the system database wrote its audit row in its own transaction
      if (audit && !audit.recorded) await deps.audit({ ...audit.entry, refId: refIdOf(result) });
      status = respond(res, operation, result, headers, (error) =>
        sendError(res, error, headers, deps, operation.headers),
      );
    } catch (error) {
      status = sendError(res, unavailableOr(error), headers, deps, operation.headers);
      if (status >= 500) {
        const err = error instanceof Error ? error : new Error(String(error));
        failure = { message: err.message, trace: err.stack ?? '' };
      }
    }
    const elapsed = performance.now() - started;
    noteClientError(deps.firewall, req, status, caller, operation.categoryId);
    deps.metrics.request(operation.name, method, status, elapsed);
    if (deps.accessLog) logAccess(deps.logger, req, path, status, elapsed, operation.name);
    deps.requestLog.record({
      categoryId: operation.categoryId,
      operationId: operation.id,
      appId: caller.app?.id ?? null,
      userId: caller.user?.id ?? null,
      ip: req.ip,
      method,
      path,
      headers: req.headers,
      body: operation.logBody ? raw : undefined,
      responseCode: status,
      executionTime: elapsed,
      date: Date.now(),
      error: failure,
      channel,
    });
  }
}

/** The gateway's entry for HTTP requests, and `invoke` for calls that arrive another way (MCP, JSON-RPC). */
export type Pipeline = GatewayHandler & {
  invoke(call: InternalCall): Promise<InternalAnswer>;
};

/** An access-log line, as a reverse proxy would write it, plus the operation and the request id. */
function logAccess(
  logger: Logger,
  req: GatewayRequest,
  path: string,
  status: number,
  elapsed: number,
  operation: string | null,
): void {
  logger.info(
    { method: req.method, path, status, ms: Math.round(elapsed * 10) / 10, operation, requestId: req.id, ip: req.ip },
    `${req.method} ${path} ${status}`,
  );
}

function sendError(
  res: ServerResponse,
  error: unknown,
  headers: Record<string, string>,
  deps: PipelineDeps,
  fixed?: readonly string[],
): number {
  const rendered = renderError(error, deps.debug);
  if (rendered.status >= 500) {
    deps.logger.error({ err: error, requestId: headers['x-request-id'] }, 'request failed');
  } else if (error instanceof PorticoError && error.cause !== undefined) {
    // what the client is not told (a database's own words) stays with the request in the log
    deps.logger.info({ err: error.cause, requestId: headers['x-request-id'] }, `request refused: ${error.message}`);
  }
  writeResponse(res, rendered.status, { ...headers, ...lowerKeys(rendered.headers) }, rendered.body, fixed);
  return rendered.status;
}

/** A database (the system database, mostly) that cannot be reached is a 503 the client may retry, not a 500. */
function unavailableOr(error: unknown): unknown {
  if (error instanceof PorticoError || !isDatabaseUnavailable(error)) return error;
  return serviceUnavailable('A database this request needs is not available, please try again later', error);
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) out[key.toLowerCase()] = headers[key] as string;
  return out;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function refIdOf(result: unknown): number | null {
  const body = result && typeof result === 'object' && 'body' in result ? (result as { body: unknown }).body : result;
  const id = body && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
  const n = Number(id);
  return id !== undefined && Number.isInteger(n) ? n : null;
}
