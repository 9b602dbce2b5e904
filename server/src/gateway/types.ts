import type { IncomingHttpHeaders } from 'node:http';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Caller } from '../auth/caller.js';
import type { PendingAudit } from '../changes/audit.js';
import type { ActionRequest } from '../plugins/action.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const httpMethods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** One request on its way through an operation. */
export interface Exchange {
  readonly request: ActionRequest;
  readonly caller: Caller;
  readonly operation: CompiledOperation;
  /** the audit row a backend write owes: written by the change's own transaction */
  readonly audit?: PendingAudit;
}

export type BodyRule =
  | { readonly kind: 'passthru' }
  | { readonly kind: 'schema'; readonly schemaName: string; readonly validate: ValidateFunction };

export interface QueryParameterRule {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  readonly enum: readonly string[] | null;
}

/** An operation compiled for the hot path: everything a request needs, resolved ahead of time. */
export interface CompiledOperation {
  readonly id: number;
  readonly name: string;
  readonly categoryId: number;
  readonly method: HttpMethod;
  /** the path in Fusio syntax, as configured */
  readonly path: string;
  readonly public: boolean;
  readonly active: boolean;
  readonly stability: number;
  readonly httpCode: number;
  /**
   * The headers every answer of this operation carries, pre-rendered as name/value pairs when it is
   * compiled (`X-Content-Type-Options`, `X-Operation-Id`, `X-Stability`): nothing to build per request
   */
  readonly headers: readonly string[];
  readonly costs: number;
  /** scope names that grant access, with each scope's parent (`backend` for `backend.action`) */
  readonly allowedScopes: ReadonlySet<string>;
  readonly body: BodyRule;
  readonly queryParameters: readonly QueryParameterRule[];
  /** request bodies of the platform's own operations carry credentials: never logged */
  readonly logBody: boolean;
  /** changes made through the backend API are recorded in the audit log */
  readonly audited: boolean;
  /** the body as the audit log keeps it, when it carries secrets only the operation can find */
  readonly auditBody?: (body: unknown) => unknown;
  readonly run: (exchange: Exchange) => unknown;
  /**
   * The operation as each release (`Api-Version: x.y.z`) serves it, where a release tagged its action or
   * incoming schema; null when none did (and always for the platform's own operations)
   */
  readonly versions: ReadonlyMap<string, CompiledOperation> | null;
}

/** PSX's operation stability constants, which Fusio stores and the backend API sends. */
export const Stability = { deprecated: 0, experimental: 1, stable: 2, legacy: 3 } as const;

/**
 * Stable, deprecated and legacy operations are promises to their callers: their action and schemas are
 * pinned to commits and only their stability may change (Fusio's rule).
 */
export function isFrozen(stability: number): boolean {
  return stability !== Stability.experimental;
}

/** Deprecated and legacy operations tell their callers so (Deprecation, Sunset headers). */
export function isDeprecated(stability: number): boolean {
  return stability === Stability.deprecated || stability === Stability.legacy;
}

export const stabilityNames: Record<number, string> = {
  0: 'deprecated',
  1: 'experimental',
  2: 'stable',
  3: 'legacy',
};

/**
 * What the pipeline reads of a request: Fastify's request has it, and so has the gateway's own entry for
 * the common case (entry.ts), which skips Fastify's per-request machinery.
 */
export interface GatewayRequest {
  /** the request id: the caller's `X-Request-Id` when well-formed, else a new one */
  readonly id: string;
  readonly method: string;
  /** as sent: path and query string */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: unknown;
  /** the raw body (a Buffer) or undefined */
  readonly body: unknown;
  /** the client's address (behind TRUST_PROXY, from X-Forwarded-For) */
  readonly ip: string;
}
