import type { Caller } from '../auth/caller.js';
import { serviceUnavailable } from '../errors.js';
import type { EventDispatcher } from '../events/outbox.js';
import type {
  ActionApp,
  ActionContext,
  ActionHandler,
  ActionLogger,
  ActionUser,
  ConnectionAccess,
} from '../plugins/action.js';
import type { CompiledOperation, Exchange } from './types.js';

export interface ContextDeps {
  baseUrl: string;
  logger: ActionLogger;
  connections: ConnectionAccess;
  /** where `context.dispatch` stores events; without it dispatching fails with a 503 */
  events?: EventDispatcher;
}

const anonymousUser: ActionUser = Object.freeze({ anonymous: true, id: 0, name: 'anonymous', email: undefined });
const anonymousApp: ActionApp = Object.freeze({ anonymous: true, id: 0, key: '' });

/** What a caller looks like to an action: built once per caller (callers are cached per token), not per request. */
const users = new WeakMap<NonNullable<Caller['user']>, ActionUser>();
const apps = new WeakMap<NonNullable<Caller['app']>, ActionApp>();
const operations = new WeakMap<CompiledOperation, ActionContext['operation']>();

function userOf(caller: Caller): ActionUser {
  const user = caller.user;
  if (user === null) return anonymousUser;
  let seen = users.get(user);
  if (!seen) {
    seen = Object.freeze({ anonymous: false, ...user });
    users.set(user, seen);
  }
  return seen;
}

function appOf(caller: Caller): ActionApp {
  const app = caller.app;
  if (app === null) return anonymousApp;
  let seen = apps.get(app);
  if (!seen) {
    seen = Object.freeze({ anonymous: false, ...app });
    apps.set(app, seen);
  }
  return seen;
}

function operationOf(operation: CompiledOperation): ActionContext['operation'] {
  let seen = operations.get(operation);
  if (!seen) {
    seen = Object.freeze({ id: operation.id, name: operation.name });
    operations.set(operation, seen);
  }
  return seen;
}

/**
 * The context of one call. Its parts that do not change between requests are shared; `dispatch` (and the
 * list of its pending stores) exists only once an action asks for it.
 */
class CallContext implements ActionContext {
  readonly operation: ActionContext['operation'];
  readonly user: ActionUser;
  readonly app: ActionApp;
  readonly scopes: readonly string[];
  readonly baseUrl: string;
  readonly requestId: string;
  readonly logger: ActionLogger;
  readonly connections: ConnectionAccess;
  dispatches: Promise<unknown>[] | null = null;
  private bound: ActionContext['dispatch'] | null = null;

  constructor(
    exchange: Exchange,
    private readonly deps: ContextDeps,
  ) {
    const { caller, operation, request } = exchange;
    this.operation = operationOf(operation);
    this.user = userOf(caller);
    this.app = appOf(caller);
    this.scopes = caller.scopes;
    this.baseUrl = deps.baseUrl;
    this.requestId = request.requestId;
    this.logger = deps.logger;
    this.connections = deps.connections;
  }

  // a getter, so that `const { dispatch } = context` keeps working
  get dispatch(): ActionContext['dispatch'] {
    this.bound ??= (eventName, payload, options) => {
      const origin = {
        userId: this.user.anonymous ? null : this.user.id,
        appId: this.app.anonymous ? null : this.app.id,
      };
      const stored = this.deps.events
        ? this.deps.events.dispatch({ name: eventName, payload, userId: options?.userId, origin }).then(() => {})
        : Promise.reject(serviceUnavailable('Events cannot be dispatched here'));
      // an action that does not await its dispatch still gets the request failed, not the event lost
      stored.catch(() => {});
      this.dispatches ??= [];
      this.dispatches.push(stored);
      return stored;
    };
    return this.bound;
  }
}

/** Runs a user action with the context it is entitled to see. */
export function invokeAction(handler: ActionHandler, exchange: Exchange, deps: ContextDeps): unknown {
  const context = new CallContext(exchange, deps);
  const result = handler(exchange.request, context);
  if (isThenable(result)) {
    return result.then((value) =>
      context.dispatches === null ? value : Promise.all(context.dispatches).then(() => value),
    );
  }
  if (context.dispatches === null) return result;
  return Promise.all(context.dispatches).then(() => result);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
