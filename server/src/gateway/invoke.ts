import type { ActionContext, ActionHandler, ActionLogger, ConnectionAccess } from '../actions/action.js';
import type { Exchange } from './types.js';

export interface ContextDeps {
  baseUrl: string;
  logger: ActionLogger;
  connections: ConnectionAccess;
}

const anonymousUser = Object.freeze({ anonymous: true, id: 0, name: 'anonymous', email: undefined });
const anonymousApp = Object.freeze({ anonymous: true, id: 0, key: '' });

/** Runs a user action with the context it is entitled to see. */
export function invokeAction(handler: ActionHandler, exchange: Exchange, deps: ContextDeps): unknown {
  const { caller, operation, request } = exchange;
  const context: ActionContext = {
    operation: { id: operation.id, name: operation.name },
    user: caller.user ? { anonymous: false, ...caller.user } : anonymousUser,
    app: caller.app ? { anonymous: false, ...caller.app } : anonymousApp,
    scopes: caller.scopes,
    baseUrl: deps.baseUrl,
    requestId: request.requestId,
    logger: deps.logger,
    connections: deps.connections,
  };
  return handler(request, context);
}
