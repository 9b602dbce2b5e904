import { defineActionType } from '../../plugins/action.js';
import {
  type ContextHeaderStyle,
  configError,
  connectionProperty,
  forwardProperties,
  protoOf,
} from './forward-config.js';
import { addForwardingHeaders } from './forward-headers.js';
import { assertHeaderValue, compileResponseRules, requestRoots, type Values } from './rules.js';
import { requestScope } from './scopes.js';
import { compileText, compileValue, evaluate, renderText, type Scope, toText } from './template.js';
import { finishResponse, sendUpstream, upstreamFor } from './upstream-call.js';
import { compileFixedQuery, encodeQuery, UrlTemplate, withQuery } from './url-template.js';

export interface HttpRawConfig {
  connection?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  response?: unknown;
  contextHeaders?: ContextHeaderStyle;
}

/**
 * Sends a request built entirely from templates — method, URL, query, headers and body — instead of
 * forwarding the caller's. The caller's query parameters are passed on (as Fusio does); its headers are not.
 */
export const httpRawAction = defineActionType<HttpRawConfig>({
  class: 'Fusio.Adapter.Http.Action.HttpRaw',
  name: 'HTTP-Raw',
  description: 'Sends a request built from templates (method, URL, query, headers, body) to an HTTP upstream',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty,
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], title: 'Method' },
      url: {
        type: 'string',
        minLength: 1,
        title: 'URL',
        description: 'Path appended to the connection’s base URL (or an absolute URL), e.g. /users/{id}',
      },
      query: forwardProperties.query as object,
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        title: 'Headers',
        description: 'Headers to send; values may use {{ … }} placeholders',
      },
      body: {
        type: 'string',
        title: 'Body',
        description: 'The body template, e.g. {"name": {{ payload.name | json }}}',
        'x-form': 'textarea',
        'x-mode': 'text',
      },
      response: forwardProperties.response as object,
      contextHeaders: forwardProperties.contextHeaders as object,
    },
    required: ['url'],
  },
  create(config, env) {
    const method = config.method ?? 'GET';
    let url: UrlTemplate;
    let headerTemplates: [string, ReturnType<typeof compileValue>][];
    let body: ReturnType<typeof compileText> | null;
    let fixedQuery: ReturnType<typeof compileFixedQuery>;
    let responseRules: ReturnType<typeof compileResponseRules>;
    try {
      url = new UrlTemplate(config.url, 'url');
      headerTemplates = Object.entries(config.headers ?? {}).map(([name, value]) => [
        name.toLowerCase(),
        compileValue(value, requestRoots, `headers.${name}`),
      ]);
      body = config.body ? compileText(config.body, requestRoots, 'body') : null;
      fixedQuery = compileFixedQuery(config.query, 'query');
      responseRules = compileResponseRules(config.response);
    } catch (error) {
      throw configError(error, 'HTTP-Raw');
    }
    if (!config.connection && !url.absolute) {
      throw new Error('HTTP-Raw config: a relative URL needs a connection with a base URL');
    }
    const style = config.contextHeaders ?? 'portico';
    const proto = protoOf(env.baseUrl);
    const hasContentType = headerTemplates.some(([name]) => name === 'content-type');

    return async (request, context) => {
      const upstream = await upstreamFor(config.connection, context);
      let cached: Scope | undefined;
      const scope = () => {
        cached ??= requestScope(request, context);
        return cached;
      };
      const headers: Values = { ...upstream.headers };
      for (const [name, template] of headerTemplates) {
        const value = evaluate(template, scope());
        if (value === undefined || value === null) delete headers[name];
        else {
          const text = toText(value);
          assertHeaderValue(name, text);
          headers[name] = text;
        }
      }
      let payload: string | undefined;
      if (body && method !== 'GET') {
        payload = renderText(body, scope());
        if (!hasContentType) headers['content-type'] = looksLikeJson(payload) ? 'application/json' : 'text/plain';
      }
      addForwardingHeaders(headers, request, context, proto, style);

      const query: Values = {};
      for (const name in request.query) {
        const value = request.query[name];
        if (value !== undefined) query[name] = value;
      }
      for (const [name, template] of fixedQuery) {
        const value = evaluate(template, scope());
        if (value !== undefined && value !== null) query[name] = toText(value);
      }
      const res = await sendUpstream(
        upstream,
        { url: withQuery(url.render(request, scope), encodeQuery(query)), method, headers, body: payload },
        context,
      );
      return finishResponse(res, method, responseRules, scope, upstream.timeout);
    };
  },
});

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
