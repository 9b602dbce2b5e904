import type { Caller } from '../auth/caller.js';
import { forbidden } from '../errors.js';
import type { CompiledOperation } from './types.js';

/**
 * Stage 3: may this caller use this operation. A protected operation needs a token holding one of its
 * scopes (or a scope's parent); an operation with no scope attached is closed to everybody.
 */
export function authorize(operation: CompiledOperation, caller: Caller): void {
  if (operation.public) return;
  for (const scope of caller.scopes) if (operation.allowedScopes.has(scope)) return;
  throw forbidden('Access to this operation is not in the scope of the provided token');
}
