import type { BackendPlan } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import { priceOf } from '../../plans/plans.js';
import type { PlanInput } from '../../plans/repository.js';
import { PlanPeriod, type PlanRow } from '../../plans/tables.js';
import { metadataField, rule, typed } from '../../schema/fragments.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

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

export const planOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.plan.getAll',
    method: 'GET',
    path: '/backend/plan',
    handler({ platform, request }) {
      return platform.plans.page(platform.db, paging(request.query), (row) => view(row));
    },
  }),
  systemOperation({
    name: 'backend.plan.create',
    method: 'POST',
    path: '/backend/plan',
    httpCode: 201,
    incoming: { ...planBody, required: ['name'] },
    async handler(call) {
      const body = call.request.body as PlanInput;
      const grantor = call.caller.scopes;
      const id = await call.platform.changes.write(call, (unit) => call.platform.plans.create(unit, body, grantor));
      return created('Plan successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.plan.get',
    method: 'GET',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await platform.plans.find(platform.db, entityRef(request.params.plan_id));
      return view(row, await platform.plans.scopes(platform.db, row.id));
    },
  }),
  systemOperation({
    name: 'backend.plan.update',
    method: 'PUT',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    incoming: planBody,
    async handler(call) {
      const ref = entityRef(call.request.params.plan_id);
      const body = call.request.body as PlanInput;
      const grantor = call.caller.scopes;
      const id = await call.platform.changes.write(call, (unit) =>
        call.platform.plans.update(unit, ref, body, grantor),
      );
      return message('Plan successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.plan.delete',
    method: 'DELETE',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.plan_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.plans.delete(unit, ref));
      return message('Plan successfully deleted', id);
    },
  }),
];
