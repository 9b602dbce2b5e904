import type { BackendDashboard } from 'fusio-sdk';
import {
  activitiesPerUser,
  errorsPerOperation,
  incomingRequests,
  incomingTransactions,
  mostUsedActivities,
  mostUsedOperations,
  statisticFilter,
  testCoverage,
  timePerOperation,
  userRegistrations,
} from '../../services/statistics.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

export const dashboardOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.dashboard.getAll',
    method: 'GET',
    path: '/backend/dashboard',
    async handler({ platform, request }) {
      const filter = statisticFilter(request.query);
      const [errors, requests, transactions, operations, time, coverage, activities, perUser, registrations] =
        await Promise.all([
          errorsPerOperation(platform, filter),
          incomingRequests(platform, filter),
          incomingTransactions(platform, filter),
          mostUsedOperations(platform, filter),
          timePerOperation(platform, filter),
          testCoverage(),
          mostUsedActivities(platform, filter),
          activitiesPerUser(platform, filter),
          userRegistrations(platform, filter),
        ]);
      const dashboard: BackendDashboard = {
        errorsPerOperation: errors,
        incomingRequests: requests,
        incomingTransactions: transactions,
        mostUsedOperations: operations,
        timePerOperation: time,
        testCoverage: coverage,
        mostUsedActivities: activities,
        activitiesPerUser: perUser,
        userRegistrations: registrations,
      };
      return dashboard;
    },
  }),
];
