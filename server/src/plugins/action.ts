/**
 * The typed action interface: what every action — built-in or a user's custom module — implements.
 * An action type declares its configuration as a JSON Schema (so a UI can render its form and the
 * backend can validate it) and builds a handler from a validated config once, when the routing table
 * is compiled; the handler then runs per request.
 */

import type { JsonSchema } from '../schema/json-schema.js';

export type { JsonSchema };

export interface ActionRequest {
  readonly method: string;
  /** the request path without the query string */
  readonly path: string;
  /** path parameters (Fusio's "uri fragments") */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** request headers, lower-case names */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** parsed JSON or form body; a Buffer for other content types; undefined without a body */
  readonly body: unknown;
  /** the body bytes as received, for actions that pass them on unchanged (HTTP proxies) */
  readonly rawBody?: Buffer | undefined;
  readonly ip: string;
  readonly requestId: string;
}

export interface ActionUser {
  readonly anonymous: boolean;
  readonly id: number;
  readonly name: string;
  readonly email?: string | undefined;
}

export interface ActionApp {
  readonly anonymous: boolean;
  readonly id: number;
  readonly key: string;
}

export interface ActionLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Named connections to the outside world (databases, HTTP upstreams, brokers), pooled by the platform. */
export interface ConnectionAccess {
  /** the live client of a connection by name or id; throws a 503 error when it cannot be reached */
  get<T = unknown>(nameOrId: string | number): Promise<T>;
}

export interface ActionContext {
  readonly operation: { readonly id: number; readonly name: string };
  readonly user: ActionUser;
  readonly app: ActionApp;
  readonly scopes: readonly string[];
  /** the public base URL of this Portico, without a trailing slash */
  readonly baseUrl: string;
  readonly requestId: string;
  readonly logger: ActionLogger;
  readonly connections: ConnectionAccess;
  /**
   * Dispatches an event to its webhooks and triggers. Resolves once the event is stored in the system
   * database (delivery follows in the background, retried until it succeeds); `userId` limits delivery
   * to that user's webhooks. The request is answered only after every dispatch of it is stored.
   */
  dispatch(eventName: string, payload?: unknown, options?: DispatchOptions): Promise<void>;
}

export interface DispatchOptions {
  /** only the webhooks of this user receive the event */
  readonly userId?: number;
}

const responseBrand: unique symbol = Symbol.for('portico.response');

/** A response with its own status and headers; anything else an action returns is sent as the body. */
export interface ActionResponse {
  readonly [responseBrand]: true;
  /** undefined: the operation's configured HTTP code */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export function response(
  status: number | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): ActionResponse {
  return { [responseBrand]: true, status, headers, body };
}

const renderedJson: unique symbol = Symbol.for('portico.renderedJson');

/**
 * A response that is the same on every call (a static response): its JSON body is rendered once, here,
 * and sent as rendered on every request. The body stays as it is for everything else that reads it.
 */
export function fixedResponse(
  status: number | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): ActionResponse {
  const fixed = response(status, body, headers);
  const plain = body !== null && typeof body === 'object' && !ArrayBuffer.isView(body) && !('pipe' in body);
  if (plain || typeof body === 'number' || typeof body === 'boolean' || body === null) {
    Object.defineProperty(fixed, renderedJson, { value: JSON.stringify(body) });
  }
  return Object.freeze(fixed);
}

/** The body of a fixedResponse as JSON text, rendered when the action was built; undefined for any other. */
export function renderedJsonOf(value: ActionResponse): string | undefined {
  return (value as { [renderedJson]?: string })[renderedJson];
}

export function isActionResponse(value: unknown): value is ActionResponse {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[responseBrand] === true;
}

export type ActionHandler = (request: ActionRequest, context: ActionContext) => unknown;

/** What an action type may use while it builds a handler from its config. */
export interface ActionEnv {
  readonly logger: ActionLogger;
  readonly connections: ConnectionAccess;
  /** the public base URL of this Portico */
  readonly baseUrl: string;
}

export interface ActionType<C = Record<string, unknown>> {
  /** stable identifier stored with each action, e.g. `Fusio.Adapter.Util.Action.UtilStaticResponse` */
  readonly class: string;
  /** display name, e.g. `Util-Static-Response` */
  readonly name: string;
  readonly description?: string;
  /** JSON Schema (an object schema) of the config; defaults in it are applied before `create` */
  readonly config: JsonSchema;
  /** builds the per-request handler; throws an Error whose message explains a bad config */
  create(config: C, env: ActionEnv): ActionHandler | Promise<ActionHandler>;
  /**
   * Checks the config against the systems it names when the action is saved (a SQL table exists), not
   * at call time; throws an Error whose message names what is wrong. A system that cannot be reached
   * must not block saving: the call then answers 503 until it can.
   */
  check?(config: C, env: ActionEnv): Promise<void>;
}

/** Identity helper that keeps the config type of an action type. */
export function defineActionType<C>(type: ActionType<C>): ActionType<C> {
  return type;
}
