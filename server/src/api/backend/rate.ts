import type { BackendRate, BackendRateAllocation } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import type { RateInput } from '../../limits/repository.js';
import type { RateAllocationRow, RateRow } from '../../limits/tables.js';
import { metadataField, nameField, rule, typed } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

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

export const rateOperations: SystemOperation[] = entityOperations<
  RateRow,
  RateInput & { name: string; rateLimit: number; timespan: string },
  RateInput
>({
  entity: 'rate',
  label: 'Rate',
  store: (platform) => platform.rates,
  body: rateBody,
  required: ['name', 'rateLimit', 'timespan'],
  summary,
  descriptions: {
    getAll: 'Every rate, the one that wins first (highest priority first)',
    create:
      'A rate for the requests its allocations match. It never limits backend calls made with a token (an administrator cannot be locked out by a rate) nor whoami/revoke with a backend token',
    update:
      'Changes the fields given; without allocation the allocations stay. Backend calls made with a token are never limited',
  },
  async detail(row, platform) {
    const allocations = await platform.rates.allocations(platform.db, row.id);
    return { ...summary(row), allocation: allocations.map(allocationView) };
  },
});
