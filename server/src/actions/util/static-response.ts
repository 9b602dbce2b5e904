import { parseJsonText } from '../../json.js';
import { defineActionType, fixedResponse } from '../../plugins/action.js';

interface StaticResponseConfig {
  statusCode?: number;
  headers?: Record<string, string>;
  response: unknown;
}

/** Answers every call with the same status, headers and body: mock endpoints, health probes, fixed data. */
export const staticResponseAction = defineActionType<StaticResponseConfig>({
  class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
  name: 'Util-Static-Response',
  description: 'Returns a fixed response: status code, headers and a JSON body',
  config: {
    type: 'object',
    properties: {
      statusCode: {
        type: 'integer',
        minimum: 100,
        maximum: 599,
        title: 'Status code',
        description: "The HTTP status; when empty the operation's HTTP code is used",
      },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        title: 'Headers',
        description: 'Response headers',
      },
      response: {
        title: 'Response',
        description: 'The response body in JSON format',
        'x-form': 'textarea',
        'x-mode': 'json',
      },
    },
    required: ['response'],
  },
  create(config) {
    // Fusio stores the body as JSON text; an object given directly is used as it is
    let body = config.response;
    if (typeof body === 'string') {
      try {
        body = parseJsonText(body);
      } catch (error) {
        throw new Error(`Action config: property /response must be valid JSON (${(error as Error).message})`);
      }
    }
    const headers = { ...(config.headers ?? {}) };
    const fixed = fixedResponse(config.statusCode, body, headers);
    return () => fixed;
  },
});
