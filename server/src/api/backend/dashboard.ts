import type { BackendDashboard } from 'fusio-sdk';
import { statisticCharts, statisticFilter } from '../../statistics/charts.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/** The dashboard's charts: each a statistic of the same name, over the same filter. */
const panels = {
  errorsPerOperation: 'errors_per_operation',
  incomingRequests: 'incoming_requests',
  incomingTransactions: 'incoming_transactions',
  mostUsedOperations: 'most_used_operations',
  timePerOperation: 'time_per_operation',
  testCoverage: 'test_coverage',
  mostUsedActivities: 'most_used_activities',
  activitiesPerUser: 'activities_per_user',
  userRegistrations: 'user_registrations',
} as const satisfies Record<keyof BackendDashboard, string>;

export const dashboardOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.dashboard.getAll',
    method: 'GET',
    path: '/backend/dashboard',
    async handler({ platform, request }) {
      const filter = statisticFilter(request.query);
      const entries = await Promise.all(
        Object.entries(panels).map(async ([panel, chart]) => {
          const statistic = statisticCharts[chart];
          if (!statistic) throw new Error(`no statistic ${chart}`);
          return [panel, await statistic.compute(platform, filter)] as const;
        }),
      );
      return Object.fromEntries(entries) as BackendDashboard;
    },
  }),
];
