import { defineActionType } from '../../plugins/action.js';
import { ForwardPlan } from './forward.js';
import { configError, connectionProperty, type ForwardConfig, forwardProperties } from './forward-config.js';
import { sendUpstream } from './upstream-call.js';
import { UrlTemplate, withQuery } from './url-template.js';

export interface HttpProcessorConfig extends ForwardConfig {
  url: string;
}

/**
 * Forwards the call to one upstream URL: the caller's method, path parameters, query, headers and body,
 * reshaped by the action's request rules; the answer streams back, reshaped by its response rules.
 */
export const httpProcessorAction = defineActionType<HttpProcessorConfig>({
  class: 'Fusio.Adapter.Http.Action.HttpProcessor',
  name: 'HTTP-Processor',
  description: 'Forwards the request to an HTTP upstream, optionally transforming request and response',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty,
      url: {
        type: 'string',
        minLength: 1,
        title: 'URL',
        description: 'Path appended to the connection’s base URL (or an absolute URL), e.g. /users/{id} or /users/:id',
      },
      ...forwardProperties,
    },
    required: ['url'],
  },
  create(config, env) {
    let plan: ForwardPlan;
    let url: UrlTemplate;
    try {
      plan = new ForwardPlan(config, env.baseUrl);
      url = new UrlTemplate(config.url, 'url');
    } catch (error) {
      throw configError(error, 'HTTP-Processor');
    }
    if (!plan.connection && !url.absolute) {
      throw new Error('HTTP-Processor config: a relative URL needs a connection with a base URL');
    }
    return async (request, context) => {
      const upstream = await plan.upstream(context);
      const call = plan.prepare(request, context, upstream);
      const res = await sendUpstream(
        upstream,
        {
          url: withQuery(url.render(request, call.scope), call.query),
          method: call.method,
          headers: call.headers,
          body: call.body,
        },
        context,
      );
      return plan.finish(res, call.method, call.scope, upstream.timeout);
    };
  },
});
