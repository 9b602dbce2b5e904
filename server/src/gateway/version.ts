import type { CompiledOperation } from './types.js';

/**
 * `Api-Version: x.y.z` selects the operation as that release serves it (its tagged action and schema),
 * a map lookup; an unknown version, or an operation no release touched, is served as it is now.
 */
export function selectVersion(operation: CompiledOperation, header: string | string[] | undefined): CompiledOperation {
  if (operation.versions === null || typeof header !== 'string') return operation;
  return operation.versions.get(header.trim()) ?? operation;
}
