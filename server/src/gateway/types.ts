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
}

export const stabilityNames: Record<number, string> = {
  0: 'deprecated',
  1: 'experimental',
  2: 'stable',
  3: 'legacy',
};
