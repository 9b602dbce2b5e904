import type { BackendRate, BackendRateAllocation } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import type { RateInput } from '../../limits/repository.js';
import type { RateAllocationRow, RateRow } from '../../limits/tables.js';
import { metadataField, nameField, rule, typed } from '../../schema/fragments.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const id = { type: ['integer', 'null'] };

const rateBody = {
  type: 'object',
  properties: {
    priority: { type: 'integer' },
    name: nameField('rate', { max: 64 }),
    rateLimit: typed(
      'integer',
      rule('Rate limit must be a number of requests from 0 up', { minimum: 0, maximum: 2_147_483_647 }),
    ),
    timespan: { type: 'string' },
    allocation: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          operationId: id,
          userId: id,
          planId: id,
          appId: id,
          authenticated: { type: ['boolean', 'null'] },
        },
      },
    },
    metadata: metadataField,
  },
};

/** Fusio's view shows `status: 1` on every rate that exists. */
type RateView = BackendRate & { status: number };

function summary(row: RateRow): RateView {
  const view: RateView = {
    id: row.id,
    status: 1,
    priority: row.priority,
    name: row.name,
    rateLimit: row.rate_limit,
    timespan: row.timespan,
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

function allocationView(row: RateAllocationRow): BackendRateAllocation & { rateId: number } {
  const view: BackendRateAllocation & { rateId: number } = { id: row.id, rateId: row.rate_id };
  if (row.operation_id !== null) view.operationId = row.operation_id;
  if (row.user_id !== null) view.userId = row.user_id;
  if (row.plan_id !== null) view.planId = row.plan_id;
  if (row.app_id !== null) view.appId = row.app_id;
  if (row.authenticated !== null) view.authenticated = row.authenticated !== 0;
  return view;
}

export const rateOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.rate.getAll',
    method: 'GET',
    path: '/backend/rate',
    handler({ platform, request }) {
      return platform.rates.page(platform.db, paging(request.query), summary);
    },
  }),
  systemOperation({
    name: 'backend.rate.create',
    method: 'POST',
    path: '/backend/rate',
    httpCode: 201,
    incoming: { ...rateBody, required: ['name', 'rateLimit', 'timespan'] },
    async handler(call) {
      const body = call.request.body as RateInput & { name: string; rateLimit: number; timespan: string };
      const rateId = await call.platform.changes.write(call, (unit) => call.platform.rates.create(unit, body));
      return created('Rate successfully created', rateId);
    },
  }),
  systemOperation({
    name: 'backend.rate.get',
    method: 'GET',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await platform.rates.find(platform.db, entityRef(request.params.rate_id));
      const allocations = await platform.rates.allocations(platform.db, row.id);
      return { ...summary(row), allocation: allocations.map(allocationView) };
    },
  }),
  systemOperation({
    name: 'backend.rate.update',
    method: 'PUT',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    incoming: rateBody,
    async handler(call) {
      const ref = entityRef(call.request.params.rate_id);
      const body = call.request.body as RateInput;
      const rateId = await call.platform.changes.write(call, (unit) => call.platform.rates.update(unit, ref, body));
      return message('Rate successfully updated', rateId);
    },
  }),
  systemOperation({
    name: 'backend.rate.delete',
    method: 'DELETE',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.rate_id);
      const rateId = await call.platform.changes.write(call, (unit) => call.platform.rates.delete(unit, ref));
      return message('Rate successfully deleted', rateId);
    },
  }),
];
