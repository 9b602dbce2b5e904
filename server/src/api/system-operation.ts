import type { Exchange, HttpMethod } from '../gateway/types.js';
import type { JsonSchema } from '../plugins/action.js';
import type { Platform } from './platform.js';

/** A call to one of the platform's own operations. */
export interface SystemCall extends Exchange {
  readonly platform: Platform;
}

/**
 * One of the platform's own operations (the backend, consumer, authorization and system APIs). They are
 * code, but they are also rows in the operations table (synced at start), so they get ids, scopes and
 * request logs and go through the same pipeline as every user operation.
 */
export interface SystemOperation {
  /** `<category>.<entity>.<verb>`, e.g. `backend.operation.getAll` */
  readonly name: string;
  readonly method: HttpMethod;
  /** Fusio path syntax; `$id<[0-9]+|~.+>` takes a number or `~name` */
  readonly path: string;
  readonly httpCode?: number;
  readonly public?: boolean;
  /** defaults to `<category>.<entity>` for backend and consumer, `authorization` for authorization */
  readonly scope?: string;
  readonly description?: string;
  /** JSON Schema of the request body, validated before the handler runs */
  readonly incoming?: JsonSchema;
  /**
   * The request body as the audit log keeps it, for bodies with credentials the generic mask by field name
   * cannot know (a connection's config fields marked `x-secret` by its type)
   */
  readonly auditBody?: (body: unknown, platform: Platform) => unknown;
  readonly handler: (call: SystemCall) => unknown;
}

export const idOrName = '[0-9]+|~.+';

export function systemOperation(definition: SystemOperation): SystemOperation {
  return definition;
}

export function categoryOf(name: string): string {
  return name.slice(0, name.indexOf('.'));
}

/** The scope that guards a system operation, or null for public ones. */
export function scopeOf(operation: SystemOperation): string | null {
  if (operation.public) return null;
  if (operation.scope) return operation.scope;
  const [category, entity] = operation.name.split('.');
  if (category === 'backend' || category === 'consumer') return `${category}.${entity}`;
  return category ?? null;
}
