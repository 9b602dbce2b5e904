import { errorCode, neverArrived, upstreamFailure } from '../../connections/http.js';
import { discard, type UpstreamResponse } from '../../connections/http-exchange.js';
import { PorticoError } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { ForwardPlan } from './forward.js';
import { configError, connectionProperty, type ForwardConfig, forwardProperties } from './forward-config.js';
import { UrlTemplate, withQuery } from './url-template.js';

export interface HttpLoadBalancerConfig extends ForwardConfig {
  /** the targets: base URLs (with `path`) or full URL templates */
  url: string[];
  /** appended to every target, e.g. /users/{id} */
  path?: string;
  /** how long a failing target is left out, in milliseconds (default 10000) */
  downFor?: number;
  /** also try the next target after a 5xx or timeout of a POST/PATCH (default false, as nginx) */
  retryNonIdempotent?: boolean;
}

const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Round robin over several targets. A target that refuses the connection, times out or answers 5xx is
 * skipped (the request goes to the next one) and left out for `downFor` ms. Requests that may have had
 * an effect (POST, PATCH) are only retried when they never reached the target, unless configured.
 */
export const httpLoadBalancerAction = defineActionType<HttpLoadBalancerConfig>({
  class: 'Fusio.Adapter.Http.Action.HttpLoadBalancer',
  name: 'HTTP-Load-Balancer',
  description: 'Spreads requests round robin over several upstream URLs and skips failing ones',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty,
      url: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        title: 'URL',
        description:
          'The targets, e.g. http://10.0.0.1:8080 and http://10.0.0.2:8080 (relative ones use the connection)',
      },
      path: {
        type: 'string',
        title: 'Path',
        description: 'Appended to every target, e.g. /users/{id}',
      },
      downFor: {
        type: 'integer',
        minimum: 0,
        maximum: 3_600_000,
        title: 'Down for (ms)',
        description: 'How long a failing target is left out (default 10000)',
      },
      retryNonIdempotent: {
        type: 'boolean',
        title: 'Retry POST and PATCH',
        description: 'Try the next target after a 5xx or a timeout even when the request may have had an effect',
      },
      ...forwardProperties,
    },
    required: ['url'],
  },
  create(config, env) {
    let plan: ForwardPlan;
    let targets: UrlTemplate[];
    try {
      plan = new ForwardPlan(config, env.baseUrl);
      const path = config.path ?? '';
      targets = config.url.map((u, i) => {
        const base = path && u.endsWith('/') && path.startsWith('/') ? u.slice(0, -1) : u;
        return new UrlTemplate(`${base}${path}`, `url[${i}]`);
      });
    } catch (error) {
      throw configError(error, 'HTTP-Load-Balancer');
    }
    if (targets.length === 0) throw new Error('HTTP-Load-Balancer config: at least one URL is needed');
    if (!plan.connection && targets.some((t) => !t.absolute)) {
      throw new Error('HTTP-Load-Balancer config: relative URLs need a connection with a base URL');
    }
    const downFor = config.downFor ?? 10_000;
    const retryAfterArrival = config.retryNonIdempotent === true;
    const downUntil = new Array<number>(targets.length).fill(0);
    let next = 0;

    /** Targets in the order to try: round robin, healthy ones first, the down ones as a last resort. */
    const order = (): number[] => {
      const start = next;
      next = (next + 1) % targets.length;
      const now = Date.now();
      const up: number[] = [];
      const down: number[] = [];
      for (let k = 0; k < targets.length; k++) {
        const i = (start + k) % targets.length;
        ((downUntil[i] as number) <= now ? up : down).push(i);
      }
      down.sort((a, b) => (downUntil[a] as number) - (downUntil[b] as number));
      return [...up, ...down];
    };

    return async (request, context) => {
      const upstream = await plan.upstream(context);
      const call = plan.prepare(request, context, upstream);
      const mayRetryAfterArrival = retryAfterArrival || idempotent.has(call.method);
      const sequence = order();
      let lastError: unknown;
      for (let attempt = 0; attempt < sequence.length; attempt++) {
        const i = sequence[attempt] as number;
        const last = attempt === sequence.length - 1;
        let res: UpstreamResponse;
        try {
          res = await upstream.send({
            url: withQuery((targets[i] as UrlTemplate).render(request, call.scope), call.query),
            method: call.method,
            headers: call.headers,
            body: call.body,
          });
        } catch (error) {
          if (error instanceof PorticoError && error.status < 500) throw error;
          lastError = error;
          downUntil[i] = Date.now() + downFor;
          context.logger.warn('load balancer target failed', {
            target: i,
            code: errorCode(error),
            reason: error instanceof Error ? error.message : String(error),
          });
          if (last || !(neverArrived(error) || mayRetryAfterArrival)) break;
          continue;
        }
        if (res.statusCode >= 500) {
          downUntil[i] = Date.now() + downFor;
          context.logger.warn('load balancer target answered 5xx', { target: i, status: res.statusCode });
          if (!last && mayRetryAfterArrival) {
            await discard(res);
            continue;
          }
        }
        return plan.finish(res, call.method, call.scope, upstream.timeout);
      }
      throw upstreamFailure(lastError, upstream.timeout);
    };
  },
});
