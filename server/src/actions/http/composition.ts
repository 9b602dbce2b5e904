import { STATUS_CODES } from 'node:http';
import { errorCode, upstreamFailure } from '../../connections/http.js';
import { discard, readAll } from '../../connections/http-exchange.js';
import { PorticoError } from '../../errors.js';
import { type ActionContext, defineActionType, response } from '../../plugins/action.js';
import { decodeBody } from './bodies.js';
import { ForwardPlan } from './forward.js';
import {
  configError,
  connectionProperty,
  type ForwardConfig,
  forwardProperties,
  transformLimit,
} from './forward-config.js';
import { responseScope } from './scopes.js';
import { evaluate } from './template.js';
import { tooLarge } from './upstream-call.js';
import { UrlTemplate, withQuery } from './url-template.js';

export interface HttpCompositionConfig extends ForwardConfig {
  /** Fusio: a list of URLs (each result is keyed by its URL); Portico also takes {key: url} */
  url: string[] | Record<string, string>;
  /** "keyed" (default): {key: result}; "object": the objects merged into one */
  merge?: 'keyed' | 'object';
  /** "partial" (default): answer 200 with the failed parts marked; "fail": 502 when any part fails */
  failure?: 'partial' | 'fail';
}

interface PartError {
  success: false;
  title: string;
  message: string;
  status: number;
}

function partError(status: number, message: string): PartError {
  return { success: false, title: STATUS_CODES[status] ?? 'Error', message, status };
}

/**
 * Calls several upstream URLs in parallel with the same request and answers with their results merged
 * into one object. A part that fails is reported in its place (and named in `x-portico-failed-parts`).
 */
export const httpCompositionAction = defineActionType<HttpCompositionConfig>({
  class: 'Fusio.Adapter.Http.Action.HttpComposition',
  name: 'HTTP-Composition',
  description: 'Calls several upstream URLs in parallel and merges their results into one response',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty,
      url: {
        type: ['array', 'object'],
        items: { type: 'string', minLength: 1 },
        additionalProperties: { type: 'string', minLength: 1 },
        minItems: 1,
        minProperties: 1,
        title: 'URL',
        description: 'The URLs to call: a list (results keyed by URL) or an object of key → URL',
      },
      merge: {
        type: 'string',
        enum: ['keyed', 'object'],
        'x-labels': { keyed: 'One field per part', object: 'Merge the objects into one' },
        title: 'Merge',
        description: 'How the results are combined',
      },
      failure: {
        type: 'string',
        enum: ['partial', 'fail'],
        'x-labels': { partial: 'Answer with the parts that worked', fail: 'Fail the call (502)' },
        title: 'When a part fails',
      },
      ...forwardProperties,
    },
    required: ['url'],
  },
  create(config, env) {
    let plan: ForwardPlan;
    let parts: [string, UrlTemplate][];
    try {
      plan = new ForwardPlan(config, env.baseUrl);
      const entries: [string, string][] = Array.isArray(config.url)
        ? config.url.map((u) => [u, u])
        : Object.entries(config.url);
      parts = entries.map(([key, u]) => [key, new UrlTemplate(u, `url.${key}`)]);
    } catch (error) {
      throw configError(error, 'HTTP-Composition');
    }
    if (parts.length === 0) throw new Error('HTTP-Composition config: at least one URL is needed');
    if (!plan.connection && parts.some(([, u]) => !u.absolute)) {
      throw new Error('HTTP-Composition config: relative URLs need a connection with a base URL');
    }
    const merge = config.merge ?? 'keyed';
    const failure = config.failure ?? 'partial';

    return async (request, context) => {
      const upstream = await plan.upstream(context);
      const call = plan.prepare(request, context, upstream);
      // every part is read and decoded, so ask for encodings that can be decoded
      const headers = { ...call.headers, 'accept-encoding': 'gzip, deflate, br' };

      const results = await Promise.all(
        parts.map(async ([key, url]): Promise<[string, unknown, PartError | null]> => {
          try {
            const res = await upstream.send({
              url: withQuery(url.render(request, call.scope), call.query),
              method: call.method,
              headers,
              body: call.body,
            });
            if (res.statusCode >= 400) {
              await discard(res);
              const error = partError(
                res.statusCode,
                `Part "${key}": the upstream answered with status ${res.statusCode}`,
              );
              return [key, error, error];
            }
            const body = await decodeBody(await readAll(res, transformLimit, tooLarge), res.headers);
            return [key, body, null];
          } catch (error) {
            if (error instanceof PorticoError && error.status === 400) throw error;
            const failed = upstreamFailure(error, upstream.timeout);
            logFailure(context, key, error);
            const reason = failed.status === 504 ? 'did not answer in time' : 'is not reachable';
            const part = partError(failed.status, `Part "${key}": the upstream service ${reason}`);
            return [key, part, part];
          }
        }),
      );

      const failed = results.filter(([, , error]) => error !== null);
      if (failed.length > 0 && (failure === 'fail' || failed.length === results.length)) {
        const allTimedOut = failed.length === results.length && failed.every(([, , e]) => e?.status === 504);
        const names = failed.map(([key, , e]) => `${key} (${e?.status})`).join(', ');
        throw new PorticoError(allTimedOut ? 'GATEWAY_TIMEOUT' : 'BAD_GATEWAY', `Composition failed: ${names}`);
      }

      let merged: Record<string, unknown> = {};
      for (const [key, value, error] of results) {
        if (merge === 'object' && !error && value && typeof value === 'object' && !Array.isArray(value)) {
          merged = { ...merged, ...(value as Record<string, unknown>) };
        } else {
          merged[key] = value;
        }
      }
      const out: Record<string, string> = { 'content-type': 'application/json' };
      if (failed.length > 0) out['x-portico-failed-parts'] = failed.map(([key]) => encodeURIComponent(key)).join(',');
      const rules = plan.responseRules;
      const body = rules.body ? evaluate(rules.body, responseScope(call.scope(), 200, {}, merged)) : merged;
      return response(200, JSON.stringify(body ?? null), out);
    };
  },
});

function logFailure(context: ActionContext, part: string, error: unknown): void {
  context.logger.warn('composition part failed', {
    part,
    code: errorCode(error),
    reason: error instanceof Error ? error.message : String(error),
  });
}
