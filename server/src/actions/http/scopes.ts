import type { ActionContext, ActionRequest } from '../../plugins/action.js';
import type { Values } from './rules.js';
import type { Scope } from './template.js';

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
