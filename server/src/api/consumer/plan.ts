import { entityRef, paging } from '../../http/query.js';
import { consumerPlanView } from '../../plans/plans.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

/** The plans a developer can subscribe to, cheapest first. */
export const consumerPlanOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.plan.getAll',
    method: 'GET',
    path: '/consumer/plan',
    handler({ platform, request }) {
      return platform.plans.page(platform.db, paging(request.query), consumerPlanView);
    },
  }),
  systemOperation({
    name: 'consumer.plan.get',
    method: 'GET',
    path: `/consumer/plan/$plan_id<${idOrName}>`,
    async handler({ platform, request }) {
      return consumerPlanView(await platform.plans.find(platform.db, entityRef(request.params.plan_id)));
    },
  }),
];
