import { describe, expect, it } from 'vitest';
import { anonymousCaller } from '../auth/caller.js';
import type { PointsLedger } from '../plans/points.js';
import { chargeCall } from './charge.js';
import type { CompiledOperation } from './types.js';

/** A ledger that records what it was asked to charge and never touches a database. */
function recordingLedger() {
  const charged: [number, number][] = [];
  const ledger = {
    charge: async (operationId: number, costs: number) => {
      charged.push([operationId, costs]);
    },
  } as unknown as PointsLedger;
  return { ledger, charged };
}

const operation = (costs: number) => ({ id: 7, costs }) as CompiledOperation;

describe('chargeCall', () => {
  it('does nothing at all for an operation without costs: no promise, no ledger call', () => {
    const { ledger, charged } = recordingLedger();
    expect(chargeCall(ledger, operation(0), anonymousCaller)).toBeUndefined();
    expect(charged).toEqual([]);
  });

  it('asks the ledger to charge the costs of the operation', async () => {
    const { ledger, charged } = recordingLedger();
    await chargeCall(ledger, operation(3), anonymousCaller);
    expect(charged).toEqual([[7, 3]]);
  });
});
