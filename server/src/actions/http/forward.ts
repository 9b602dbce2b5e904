import type { FormData } from 'undici';
import type { HttpUpstream } from '../../connections/http.js';
import type { UpstreamResponse } from '../../connections/http-exchange.js';
import type { ActionContext, ActionRequest, ActionResponse } from '../../plugins/action.js';
import { type ContentType, encodeBody, isJsonMedia, mediaTypeOf } from './bodies.js';
import { type ContextHeaderStyle, type ForwardConfig, protoOf } from './forward-config.js';
import { addForwardingHeaders, callerHeaders } from './forward-headers.js';
import {
  compileRequestRules,
  compileResponseRules,
  type RequestRules,
  type ResponseRules,
  type Values,
} from './rules.js';
import { requestScope } from './scopes.js';
import { evaluate, type Scope, toText, type ValueTemplate } from './template.js';
import { finishResponse, upstreamFor } from './upstream-call.js';
import { compileFixedQuery, encodeQuery } from './url-template.js';

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
