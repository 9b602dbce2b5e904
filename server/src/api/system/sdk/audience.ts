import type { Caller } from '../../../auth/caller.js';
import { isUserCategory } from '../../../db/schema.js';
import type { CompiledOperation } from '../../../gateway/types.js';

/** The operations a generated document or client describes for one caller. */
export interface Audience {
  /** every active operation of the API: the caller may generate the SDK in the backend */
  readonly all: boolean;
  /** the ids of the operations the caller may call (ignored when `all`) */
  readonly ids: ReadonlySet<number>;
  /** a short text naming the audience, for caches */
  readonly key: string;
}

/** The backend operation whose right opens the whole API's documents (Fusio's backend generates for everything). */
export const wholeApiOperation = 'backend.sdk.getAll';

/**
 * What a caller sees: the public operations and those one of the token's scopes opens (the same rule as
 * the gateway's authorize stage, read from the live routing table); a caller who may use the backend's SDK
 * operations sees every operation, as an admin reads them all in the backend anyway. An anonymous caller
 * sees the public operations only, and no schema, scope or operation name that only a hidden operation uses.
 */
export function audienceOf(operations: Iterable<CompiledOperation>, caller: Caller): Audience {
  const permits = (op: CompiledOperation) => op.public || caller.scopes.some((scope) => op.allowedScopes.has(scope));
  const list = [...operations];
  const admin = list.find((op) => op.name === wholeApiOperation);
  if (admin && caller.scopes.length > 0 && permits(admin)) return { all: true, ids: new Set(), key: 'all' };
  const ids = new Set<number>();
  for (const op of list) if (isUserCategory(op.categoryId) && permits(op)) ids.add(op.id);
  return { all: false, ids, key: [...ids].sort((a, b) => a - b).join(',') };
}
