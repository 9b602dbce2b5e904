import { STATUS_CODES } from 'node:http';
import {
  directUpstream,
  errorCode,
  type HttpUpstream,
  type UpstreamRequest,
  upstreamFailure,
} from '../../connections/http.js';
import { discard, readAll, type UpstreamResponse } from '../../connections/http-exchange.js';
import { PorticoError } from '../../errors.js';
import type { ActionContext, ActionResponse } from '../../plugins/action.js';
import { response } from '../../plugins/action.js';
import { decodeBody } from './bodies.js';
import { transformLimit } from './forward-config.js';
import { upstreamHeaders } from './forward-headers.js';
import type { ResponseRules, Values } from './rules.js';
import { responseScope } from './scopes.js';
import { evaluate, type Scope } from './template.js';

export async function upstreamFor(connection: string | undefined, context: ActionContext): Promise<HttpUpstream> {
  if (!connection) return directUpstream();
  return context.connections.get<HttpUpstream>(connection);
}

/** Sends a request; a network failure or timeout becomes a clean 502/504 (and a log line with the reason). */
export async function sendUpstream(
  upstream: HttpUpstream,
  request: UpstreamRequest,
  context: ActionContext,
): Promise<UpstreamResponse> {
  try {
    return await upstream.send(request);
  } catch (error) {
    const failure = upstreamFailure(error, upstream.timeout);
    context.logger.warn('upstream request failed', {
      url: safeUrl(upstream, request.url),
      code: errorCode(error) ?? failure.code,
      reason: error instanceof Error ? error.message : String(error),
    });
    throw failure;
  }
}

function safeUrl(upstream: HttpUpstream, url: string): string {
  try {
    const { origin, path } = upstream.target(url);
    const q = path.indexOf('?');
    return `${origin}${q === -1 ? path : path.slice(0, q)}`;
  } catch {
    return url;
  }
}

export function tooLarge(): PorticoError {
  return new PorticoError('BAD_GATEWAY', `The upstream response is larger than ${transformLimit} bytes`);
}

/** Answers without a body: HEAD, 204, 304. */
function bodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** respond.ts hands the map to Fastify, which sends a list (set-cookie) as repeated headers. */
function asResponseHeaders(headers: Values): Record<string, string> {
  return headers as Record<string, string>;
}

function fusioError(status: number, upstreamStatus: number): { success: false; title: string; message: string } {
  return {
    success: false,
    title: STATUS_CODES[status] ?? 'Error',
    message: `The upstream service answered with status ${upstreamStatus}`,
  };
}

function dropEntityHeaders(headers: Values): void {
  delete headers['content-length'];
  delete headers['content-encoding'];
  delete headers['content-type'];
  delete headers.etag;
  delete headers['content-md5'];
}

/**
 * The upstream's answer for the caller: streamed unchanged unless response rules reshape it. The body
 * is read into memory only for a body template (2xx) — everything else flows through as it arrives.
 */
export async function finishResponse(
  res: UpstreamResponse,
  method: string,
  rules: ResponseRules,
  scope: () => Scope,
  timeout: number,
): Promise<ActionResponse> {
  try {
    return await answer(res, method, rules, scope);
  } catch (error) {
    res.stream?.destroy();
    // the upstream broke off or stalled while its body was being read
    if (error instanceof PorticoError || errorCode(error) !== undefined) throw upstreamFailure(error, timeout);
    throw error;
  }
}

async function answer(
  res: UpstreamResponse,
  method: string,
  rules: ResponseRules,
  scope: () => Scope,
): Promise<ActionResponse> {
  const upstreamStatus = res.statusCode;
  const status = rules.status ? rules.status.map(upstreamStatus) : upstreamStatus;
  const headers = upstreamHeaders(res.headers);
  if (bodiless(method, upstreamStatus) || status === 204 || status === 304) {
    await discard(res);
    if (rules.headers) rules.headers.apply(headers, () => responseScope(scope(), upstreamStatus, headers, undefined));
    return response(status, undefined, asResponseHeaders(headers));
  }
  if (upstreamStatus >= 400 && rules.errors === 'fusio') {
    await discard(res);
    dropEntityHeaders(headers);
    if (rules.headers) rules.headers.apply(headers, () => responseScope(scope(), upstreamStatus, headers, undefined));
    headers['content-type'] = 'application/json';
    return response(status, JSON.stringify(fusioError(status, upstreamStatus)), asResponseHeaders(headers));
  }
  if (rules.body && upstreamStatus >= 200 && upstreamStatus < 300) {
    const raw = await readAll(res, transformLimit, tooLarge);
    const parsed = await decodeBody(raw, res.headers);
    const s = responseScope(scope(), upstreamStatus, headers, parsed);
    const value = evaluate(rules.body, s);
    dropEntityHeaders(headers);
    if (rules.headers) rules.headers.apply(headers, () => s);
    if (value === undefined) return response(status, undefined, asResponseHeaders(headers));
    headers['content-type'] = 'application/json';
    return response(status, JSON.stringify(value), asResponseHeaders(headers));
  }
  if (rules.headers) rules.headers.apply(headers, () => responseScope(scope(), upstreamStatus, headers, undefined));
  // a small answer arrived whole (one buffer is cheaper than a pipe; nginx buffers too), others stream
  return response(status, res.bytes ?? res.stream ?? undefined, asResponseHeaders(headers));
}
