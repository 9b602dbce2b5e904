import { serviceUnavailable } from '../errors.js';
import type { EventDispatcher } from '../events/outbox.js';
import type { ActionContext, ActionHandler, ActionLogger, ConnectionAccess } from '../plugins/action.js';
import type { Exchange } from './types.js';

export interface ContextDeps {
  baseUrl: string;
  logger: ActionLogger;
  connections: ConnectionAccess;
  /** where `context.dispatch` stores events; without it dispatching fails with a 503 */
  events?: EventDispatcher;
}

const anonymousUser = Object.freeze({ anonymous: true, id: 0, name: 'anonymous', email: undefined });
const anonymousApp = Object.freeze({ anonymous: true, id: 0, key: '' });

/** Runs a user action with the context it is entitled to see. */
export function invokeAction(handler: ActionHandler, exchange: Exchange, deps: ContextDeps): unknown {
  const { caller, operation, request } = exchange;
  const origin = { userId: caller.user?.id ?? null, appId: caller.app?.id ?? null };
  const dispatches: Promise<unknown>[] = [];
  const context: ActionContext = {
    operation: { id: operation.id, name: operation.name },
    user: caller.user ? { anonymous: false, ...caller.user } : anonymousUser,
    app: caller.app ? { anonymous: false, ...caller.app } : anonymousApp,
    scopes: caller.scopes,
    baseUrl: deps.baseUrl,
    requestId: request.requestId,
    logger: deps.logger,
    connections: deps.connections,
    dispatch(eventName, payload, options) {
      const stored = deps.events
        ? deps.events.dispatch({ name: eventName, payload, userId: options?.userId, origin }).then(() => {})
        : Promise.reject(serviceUnavailable('Events cannot be dispatched here'));
      // an action that does not await its dispatch still gets the request failed, not the event lost
      stored.catch(() => {});
      dispatches.push(stored);
      return stored;
    },
  };
  const result = handler(request, context);
  if (isThenable(result)) {
    return result.then((value) => (dispatches.length === 0 ? value : Promise.all(dispatches).then(() => value)));
  }
  if (dispatches.length === 0) return result;
  return Promise.all(dispatches).then(() => result);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
