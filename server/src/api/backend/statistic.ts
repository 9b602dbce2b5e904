import { countRequests, statisticCharts, statisticFilter } from '../../statistics/charts.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/** fusio-sdk's BackendStatisticTag: one operation per chart, plus the request count. */
export const statisticOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.statistic.getCountRequests',
    method: 'GET',
    path: '/backend/statistic/count_requests',
    async handler({ platform, request }) {
      return countRequests(platform, statisticFilter(request.query));
    },
  }),
  ...Object.entries(statisticCharts).map(([segment, chart]) =>
    systemOperation({
      name: `backend.statistic.${chart.name}`,
      method: 'GET',
      path: `/backend/statistic/${segment}`,
      async handler({ platform, request }) {
        return chart.compute(platform, statisticFilter(request.query));
      },
    }),
  ),
];
