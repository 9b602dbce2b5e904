import { defineActionType, response } from '../../plugins/action.js';

interface DispatchEventConfig {
  event: string;
}

/** Fusio's Util-Dispatch-Event: dispatches the request body as the payload of an event, answers 202. */
export const dispatchEventAction = defineActionType<DispatchEventConfig>({
  class: 'Fusio.Adapter.Util.Action.UtilDispatchEvent',
  name: 'Util-Dispatch-Event',
  description: 'Dispatches the request body as an event to its webhooks and triggers',
  config: {
    type: 'object',
    properties: {
      event: {
        type: 'string',
        title: 'Event',
        description: 'The event which gets dispatched',
        pattern: '^[a-zA-Z0-9\\-_.]{1,64}$',
      },
    },
    required: ['event'],
  },
  create(config) {
    const accepted = { success: true, message: 'Event successfully dispatched' };
    return async (request, context) => {
      await context.dispatch(config.event, request.body ?? null);
      return response(202, accepted);
    };
  },
});
