import type { BackendPlan } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import { priceOf } from '../../plans/plans.js';
import type { PlanInput } from '../../plans/repository.js';
import { PlanPeriod, type PlanRow } from '../../plans/tables.js';
import { metadataField, rule, typed } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

const planBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: typed('string', rule('Plan description must have at most 512 characters', { maxLength: 512 })),
    price: typed(['number', 'null'], rule('Plan price must be a number of at least 0', { minimum: 0 })),
    points: typed(
      ['integer', 'null'],
      rule('Plan points must be a whole number of at least 0', { minimum: 0, maximum: 2_147_483_647 }),
    ),
    period: typed(
      ['integer', 'null'],
      rule('Plan period must be 0 (one-time purchase) or 1 (subscription)', {
        enum: [PlanPeriod.oneTime, PlanPeriod.subscription, null],
      }),
    ),
    externalId: typed(['string', 'null'], rule('External id must have at most 255 characters', { maxLength: 255 })),
    scopes: { type: ['array', 'null'], items: { type: 'string' } },
    metadata: metadataField,
  },
};

/** Fusio's backend view also shows `status: 1` on every plan that exists. */
type PlanView = BackendPlan & { status: number };

function view(row: PlanRow, scopes?: string[]): PlanView {
  const plan: PlanView = {
    id: row.id,
    status: 1,
    name: row.name,
    description: row.description,
    price: priceOf(row.price),
    points: row.points,
    period: row.period_type ?? PlanPeriod.oneTime,
  };
  if (row.external_id !== null) plan.externalId = row.external_id;
  if (scopes) plan.scopes = scopes;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) plan.metadata = metadata;
  return plan;
}

export const planOperations: SystemOperation[] = entityOperations<PlanRow, PlanInput, PlanInput>({
  entity: 'plan',
  label: 'Plan',
  store: (platform) => platform.plans,
  body: planBody,
  required: ['name'],
  summary: (row) => view(row),
  detail: async (row, platform) => view(row, await platform.plans.scopes(platform.db, row.id)),
});
