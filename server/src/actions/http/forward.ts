import { STATUS_CODES } from 'node:http';
import type { FormData } from 'undici';
import {
  directUpstream,
  errorCode,
  type HttpUpstream,
  httpConnectionClass,
  type UpstreamRequest,
  upstreamFailure,
} from '../../connections/http.js';
import { discard, readAll, type UpstreamResponse } from '../../connections/http-exchange.js';
import { badRequest, PorticoError } from '../../errors.js';
import type { ActionContext, ActionRequest, ActionResponse, JsonSchema } from '../action.js';
import { response } from '../action.js';
import { type ContentType, contentTypes, decodeBody, encodeBody, isJsonMedia, mediaTypeOf } from './bodies.js';
import {
  compileRequestRules,
  compileResponseRules,
  type RequestRules,
  type ResponseRules,
  requestRoots,
  type Values,
} from './rules.js';
import {
  compileText,
  compileValue,
  type Expression,
  evalExpression,
  evaluate,
  type Scope,
  TemplateError,
  toText,
  type ValueTemplate,
} from './template.js';

/** What a transformation may hold in memory; larger upstream answers are refused with 502. */
export const transformLimit = 10 * 1024 * 1024;

export type ContextHeaderStyle = 'portico' | 'fusio' | 'none';

/** The config fields HttpProcessor, HttpComposition and HttpLoadBalancer share (Fusio's, then Portico's). */
export interface ForwardConfig {
  connection?: string;
  type?: ContentType;
  authorization?: string;
  query?: string;
  request?: unknown;
  response?: unknown;
  contextHeaders?: ContextHeaderStyle;
}

export const connectionProperty: JsonSchema = {
  type: 'string',
  title: 'Connection',
  description: 'The HTTP connection (base URL, authentication, pool); optional when the URL is absolute',
  'x-form': 'connection',
  'x-connection-classes': [httpConnectionClass],
};

export const forwardProperties: Record<string, JsonSchema> = {
  type: {
    type: 'string',
    enum: [...contentTypes],
    title: 'Content-Type',
    description: 'The content type sent to the upstream; a JSON body is converted (e.g. to a form). Empty: as received',
  },
  authorization: {
    type: 'string',
    title: 'Authorization',
    description: 'Optional Authorization header for the upstream, instead of the connection’s authentication',
  },
  query: {
    type: 'string',
    title: 'Query',
    description: 'Fixed query parameters added to every call, e.g. format=json&lang=en',
  },
  request: {
    type: ['object', 'string'],
    title: 'Request rules',
    description: 'Map, rename or drop query parameters and headers, build the body (see docs/http-actions.md)',
    'x-form': 'textarea',
    'x-mode': 'json',
  },
  response: {
    type: ['object', 'string'],
    title: 'Response rules',
    description: 'Map status codes, pick and rename fields, hide upstream errors (see docs/http-actions.md)',
    'x-form': 'textarea',
    'x-mode': 'json',
  },
  contextHeaders: {
    type: 'string',
    enum: ['portico', 'fusio', 'none'],
    'x-labels': { portico: 'x-portico-*', fusio: 'x-fusio-* (as Fusio sends them)', none: 'None' },
    title: 'Context headers',
    description: 'Tell the upstream who is calling: user id and name, app id and key, operation, remote IP',
  },
};

// ---- URL templates -------------------------------------------------------------------------------

type UrlPart = string | { readonly arg: string; readonly reserved: boolean } | Expression;

/** "..", "." between slashes (or backslashes, which some servers read as slashes). */
const dotSegment = /(?:^|[/\\])\.{1,2}(?:[/\\]|$)/;

/**
 * A value placed in the upstream path. Dot segments are refused outright: encoding them is not enough,
 * as many servers decode %2E and %2F before they normalize the path.
 */
function pathValue(value: string, name: string, reserved: boolean): string {
  if (dotSegment.test(value)) throw badRequest(`Parameter "${name}" must not contain "." or ".." path segments`);
  return reserved ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
}

/**
 * `/users/{id}`, `/users/:id` (a path or query parameter, encoded as one segment), `/files/{+path}`
 * (may span segments) and `{{ expression }}` placeholders in an action's URL.
 */
export class UrlTemplate {
  private readonly parts: UrlPart[] = [];
  readonly absolute: boolean;

  constructor(
    readonly source: string,
    where: string,
  ) {
    this.absolute = /^https?:\/\//i.test(source);
    if (!this.absolute && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new TemplateError(`${where}: only http and https URLs are supported`);
    }
    if (this.absolute && /[{}]/.test(/^https?:\/\/[^/?#]*/i.exec(source)?.[0] ?? '')) {
      // a caller must never choose the host a request goes to
      throw new TemplateError(`${where}: placeholders are not allowed in the host of a URL`);
    }
    let literal = '';
    let i = 0;
    const flush = () => {
      if (literal) this.parts.push(literal);
      literal = '';
    };
    while (i < source.length) {
      if (source.startsWith('{{', i)) {
        const close = source.indexOf('}}', i + 2);
        if (close === -1) throw new TemplateError(`${where}: "{{" without a closing "}}"`);
        flush();
        const text = compileText(source.slice(i, close + 2), requestRoots, where);
        this.parts.push(text.whole as Expression);
        i = close + 2;
        continue;
      }
      const ch = source[i] as string;
      if (ch === '{') {
        const close = source.indexOf('}', i);
        const inner = close === -1 ? '' : source.slice(i + 1, close);
        const m = /^(\+?)([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
        if (!m) throw new TemplateError(`${where}: "{${inner}" is not a parameter like {id} or {+path}`);
        flush();
        this.parts.push({ arg: m[2] as string, reserved: m[1] === '+' });
        i = close + 1;
        continue;
      }
      if (ch === ':' && source[i - 1] === '/') {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i + 1));
        if (m) {
          flush();
          this.parts.push({ arg: m[0], reserved: false });
          i += 1 + m[0].length;
          continue;
        }
      }
      literal += ch;
      i++;
    }
    flush();
  }

  render(request: ActionRequest, scope: () => Scope): string {
    let out = '';
    for (const part of this.parts) {
      if (typeof part === 'string') out += part;
      else if ('arg' in part) {
        const value = argument(request, part.arg);
        if (value === undefined) throw badRequest(`Missing parameter "${part.arg}"`);
        out += pathValue(value, part.arg, part.reserved);
      } else {
        out += pathValue(toText(evalExpression(part, scope())), 'expression', false);
      }
    }
    return out;
  }
}

function argument(request: ActionRequest, name: string): string | undefined {
  const fromPath = request.params[name];
  if (fromPath !== undefined) return fromPath;
  const fromQuery = request.query[name];
  return Array.isArray(fromQuery) ? fromQuery[0] : fromQuery;
}

export function encodeQuery(values: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  let out = '';
  for (const name in values) {
    const value = values[name];
    if (value === undefined) continue;
    const key = encodeURIComponent(name);
    if (typeof value === 'string') out += `${out ? '&' : ''}${key}=${encodeURIComponent(value)}`;
    else for (const v of value) out += `${out ? '&' : ''}${key}=${encodeURIComponent(v)}`;
  }
  return out;
}

export function withQuery(url: string, query: string): string {
  if (!query) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Fusio's `query` field: "a=b&c={{ path.id }}". */
export function compileFixedQuery(source: string | undefined, where: string): [string, ValueTemplate][] {
  if (!source) return [];
  const out: [string, ValueTemplate][] = [];
  for (const [name, value] of new URLSearchParams(source)) {
    out.push([name, compileValue(value, requestRoots, `${where}.${name}`)]);
  }
  return out;
}

// ---- scopes --------------------------------------------------------------------------------------

/** What request templates can see. */
export function requestScope(request: ActionRequest, context: ActionContext): Scope {
  const user = {
    anonymous: context.user.anonymous,
    id: context.user.id,
    name: context.user.name,
    email: context.user.email,
  };
  const app = { anonymous: context.app.anonymous, id: context.app.id, key: context.app.key };
  const operation = { id: context.operation.id, name: context.operation.name };
  const req = {
    method: request.method,
    path: request.path,
    ip: request.ip,
    id: request.requestId,
    params: request.params,
    query: request.query,
    headers: request.headers,
    body: request.body,
  };
  return {
    path: request.params,
    uriFragments: request.params,
    query: request.query,
    get arguments() {
      return { ...request.query, ...request.params };
    },
    header: request.headers,
    headers: request.headers,
    body: request.body,
    payload: request.body,
    user,
    app,
    operation,
    context: {
      user,
      app,
      operation,
      operationId: operation.id,
      baseUrl: context.baseUrl,
      requestId: context.requestId,
    },
    request: req,
  };
}

/** Response templates see the upstream answer as body/status/headers; the caller's request stays at `request`. */
export function responseScope(base: Scope, status: number, headers: Values, body: unknown): Scope {
  return { ...base, body, payload: body, status, header: headers, headers };
}

// ---- headers -------------------------------------------------------------------------------------

/** Hop-by-hop headers (RFC 9110 7.6.1) and those only this hop may set: never passed on. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'trailers',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Caller headers the upstream never sees: its own credentials and what Portico sets itself. */
const notForwarded = new Set([
  ...hopByHop,
  'host',
  'authorization',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-request-id',
]);

/** Names a `Connection` header lists are hop-by-hop too. */
function connectionListed(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const list = (Array.isArray(value) ? value.join(',') : value).split(',');
  const out = new Set<string>();
  for (const item of list) {
    const name = item.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') out.add(name);
  }
  return out.size > 0 ? out : null;
}

/** The caller's headers minus hop-by-hop ones, credentials and anything claiming to be Portico's context. */
export function callerHeaders(incoming: ActionRequest['headers']): Values {
  const listed = connectionListed(incoming.connection);
  const out: Values = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || notForwarded.has(name)) continue;
    if (name.startsWith('proxy-') || name.startsWith('x-portico-') || name.startsWith('x-fusio-')) continue;
    if (listed?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** X-Forwarded-*, the request id and the context headers; set last, so nobody can forge them. */
export function addForwardingHeaders(
  headers: Values,
  request: ActionRequest,
  context: ActionContext,
  proto: string,
  style: ContextHeaderStyle,
): void {
  const prior = request.headers['x-forwarded-for'];
  const chain = Array.isArray(prior) ? prior.join(', ') : prior;
  headers['x-forwarded-for'] = chain ? `${chain}, ${request.ip}` : request.ip;
  const host = request.headers.host;
  if (host) headers['x-forwarded-host'] = host;
  headers['x-forwarded-proto'] = proto;
  headers['x-request-id'] = request.requestId;
  if (style === 'none') return;
  const p = style === 'fusio' ? 'x-fusio-' : 'x-portico-';
  headers[`${p}operation-id`] = String(context.operation.id);
  headers[`${p}user-anonymous`] = context.user.anonymous ? '1' : '0';
  if (!context.user.anonymous) {
    headers[`${p}user-id`] = String(context.user.id);
    headers[`${p}user-name`] = context.user.name;
  }
  if (!context.app.anonymous) {
    headers[`${p}app-id`] = String(context.app.id);
    headers[`${p}app-key`] = context.app.key;
  }
  headers[`${p}remote-ip`] = request.ip;
}

/** Response headers that are Portico's to set: its request id and operation, and its CORS policy. */
const portico = new Set(['x-request-id', 'x-operation-id', 'x-stability']);

/** The upstream's response headers minus hop-by-hop ones and Portico's own (set-cookie stays a list). */
export function upstreamHeaders(incoming: Record<string, string | string[] | undefined>): Values {
  const listed = connectionListed(incoming.connection);
  const out: Values = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || hopByHop.has(name) || portico.has(name) || listed?.has(name)) continue;
    if (name.startsWith('proxy-') || name.startsWith('access-control-')) continue;
    out[name] = value;
  }
  return out;
}

// ---- sending -------------------------------------------------------------------------------------

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

// ---- the plan shared by the proxying actions ----------------------------------------------------

export interface PreparedCall {
  readonly method: string;
  readonly headers: Values;
  readonly body: string | Buffer | FormData | undefined;
  /** the encoded query string for the upstream (without "?") */
  readonly query: string;
  readonly scope: () => Scope;
}

/**
 * What HttpProcessor, HttpComposition and HttpLoadBalancer do with a request, compiled once from the
 * action's config: which headers and query parameters go upstream, what body, and how the answer
 * comes back.
 */
export class ForwardPlan {
  readonly connection: string | undefined;
  readonly requestRules: RequestRules;
  readonly responseRules: ResponseRules;
  private readonly type: ContentType | undefined;
  private readonly authorization: string | undefined;
  private readonly fixedQuery: [string, ValueTemplate][];
  private readonly style: ContextHeaderStyle;
  private readonly proto: string;

  constructor(config: ForwardConfig, baseUrl: string) {
    this.connection = config.connection || undefined;
    this.type = config.type;
    this.authorization = config.authorization || undefined;
    this.requestRules = compileRequestRules(config.request);
    this.responseRules = compileResponseRules(config.response);
    this.fixedQuery = compileFixedQuery(config.query, 'query');
    this.style = config.contextHeaders ?? 'portico';
    this.proto = protoOf(baseUrl);
  }

  upstream(context: ActionContext): Promise<HttpUpstream> {
    return upstreamFor(this.connection, context);
  }

  prepare(request: ActionRequest, context: ActionContext, upstream: HttpUpstream): PreparedCall {
    let cached: Scope | undefined;
    const scope = () => {
      cached ??= requestScope(request, context);
      return cached;
    };
    const rules = this.requestRules;
    const method = rules.method ?? request.method;

    const query: Values = {};
    if (!rules.query || rules.query.forward) {
      for (const name in request.query) {
        const value = request.query[name];
        if (value !== undefined) query[name] = value;
      }
    }
    rules.query?.apply(query, scope);
    for (const [name, template] of this.fixedQuery) {
      const value = evaluate(template, scope());
      if (value !== undefined && value !== null) query[name] = toText(value);
    }

    const headers: Values = !rules.headers || rules.headers.forward ? callerHeaders(request.headers) : {};
    for (const name in upstream.headers) headers[name] = upstream.headers[name] as string;
    const body = this.body(request, method, headers, scope);
    if (this.responseRules.body) {
      // a transformation must read the answer: ask for encodings it can decode
      headers['accept-encoding'] = 'gzip, deflate, br';
    }
    rules.headers?.apply(headers, scope);
    if (this.authorization) headers.authorization = this.authorization;
    addForwardingHeaders(headers, request, context, this.proto, this.style);
    return { method, headers, body, query: encodeQuery(query), scope };
  }

  /** The body for the upstream; sets or removes content-type in `headers` to match. */
  private body(
    request: ActionRequest,
    method: string,
    headers: Values,
    scope: () => Scope,
  ): string | Buffer | FormData | undefined {
    if (method === 'GET' || method === 'HEAD') {
      delete headers['content-type'];
      delete headers['content-encoding'];
      return undefined;
    }
    const rules = this.requestRules;
    if (rules.body) {
      const encoded = encodeBody(evaluate(rules.body, scope()), this.type ?? 'application/json');
      delete headers['content-encoding'];
      if (!encoded) {
        delete headers['content-type'];
        return undefined;
      }
      if (encoded.contentType) headers['content-type'] = encoded.contentType;
      else delete headers['content-type'];
      return encoded.body;
    }
    const raw = request.rawBody;
    if ((raw === undefined || raw.length === 0) && request.body === undefined) {
      delete headers['content-type'];
      return undefined;
    }
    const incoming = mediaTypeOf(request.headers['content-type']);
    const wanted = this.type;
    const parsed = request.body;
    const structured = parsed !== null && typeof parsed === 'object' && !Buffer.isBuffer(parsed);
    const sameKind =
      wanted === undefined || wanted === incoming || (wanted === 'application/json' && isJsonMedia(incoming));
    if (!sameKind && structured && wanted !== 'application/octet-stream') {
      // the caller sent JSON (or a form) and the upstream wants another shape, e.g. a legacy HTML form
      const encoded = encodeBody(parsed, wanted) as NonNullable<ReturnType<typeof encodeBody>>;
      delete headers['content-encoding'];
      if (encoded.contentType) headers['content-type'] = encoded.contentType;
      else delete headers['content-type'];
      return encoded.body;
    }
    if (!sameKind && wanted) headers['content-type'] = wanted;
    if (raw !== undefined) return raw;
    // no original bytes (an action invoked from code): serialize what was parsed
    if (Buffer.isBuffer(parsed) || typeof parsed === 'string') return parsed;
    if (incoming === 'application/x-www-form-urlencoded') return encodeBody(parsed, incoming)?.body;
    headers['content-type'] ??= 'application/json';
    return JSON.stringify(parsed);
  }

  finish(res: UpstreamResponse, method: string, scope: () => Scope, timeout: number): Promise<ActionResponse> {
    return finishResponse(res, method, this.responseRules, scope, timeout);
  }
}

export function protoOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).protocol.replace(':', '') || 'http';
  } catch {
    return 'http';
  }
}

/** Turns a config mistake found while compiling into the Error `create` reports as a 400. */
export function configError(error: unknown, action: string): Error {
  if (error instanceof TemplateError) return new Error(`${action} config: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}
