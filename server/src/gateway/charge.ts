import type { Caller } from '../auth/caller.js';
import type { PointsLedger } from '../plans/points.js';
import type { CompiledOperation } from './types.js';

/**
 * Stage 4c, after validation and before the action runs (Fusio's Invoker): an operation with `costs` takes
 * them from the caller's points — 403 for anonymous callers, 402 when the balance is too small. Free
 * operations return undefined without touching the database.
 */
export function chargeCall(
  points: PointsLedger,
  operation: CompiledOperation,
  caller: Caller,
): Promise<void> | undefined {
  if (operation.costs <= 0) return undefined;
  return points.charge(operation.id, operation.costs, caller);
}
