import type { BackendPlan } from 'fusio-sdk';
import { assertMayGrantAdministrative } from '../../auth/scopes.js';
import { entityRef, paging } from '../../http/query.js';
import {
  backendPlanView,
  createPlan,
  deletePlan,
  findPlan,
  listPlans,
  planScopes,
  updatePlan,
} from '../../plans/plans.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const planBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    price: { type: ['number', 'null'] },
    points: { type: ['integer', 'null'] },
    period: { type: ['integer', 'null'] },
    externalId: { type: ['string', 'null'] },
    scopes: { type: ['array', 'null'], items: { type: 'string' } },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export const planOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.plan.getAll',
    method: 'GET',
    path: '/backend/plan',
    async handler({ platform, request }) {
      return listPlans(platform.db, paging(request.query), (row) => backendPlanView(row));
    },
  }),
  systemOperation({
    name: 'backend.plan.create',
    method: 'POST',
    path: '/backend/plan',
    httpCode: 201,
    incoming: { ...planBody, required: ['name'] },
    async handler({ platform, request, caller }) {
      assertMayGrantAdministrative(caller.scopes, (request.body as BackendPlan).scopes ?? []);
      const id = await createPlan(platform, request.body as BackendPlan);
      return created('Plan successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.plan.get',
    method: 'GET',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await findPlan(platform.db, entityRef(request.params.plan_id));
      return backendPlanView(row, await planScopes(platform.db, row.id));
    },
  }),
  systemOperation({
    name: 'backend.plan.update',
    method: 'PUT',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    incoming: planBody,
    async handler({ platform, request, caller }) {
      assertMayGrantAdministrative(caller.scopes, (request.body as BackendPlan).scopes ?? []);
      const id = await updatePlan(platform, entityRef(request.params.plan_id), request.body as BackendPlan);
      return message('Plan successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.plan.delete',
    method: 'DELETE',
    path: `/backend/plan/$plan_id<${idOrName}>`,
    async handler({ platform, request }) {
      const id = await deletePlan(platform, entityRef(request.params.plan_id));
      return message('Plan successfully deleted', id);
    },
  }),
];
