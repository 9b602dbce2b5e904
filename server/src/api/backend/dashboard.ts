import type { BackendDashboard } from 'fusio-sdk';
import {
  activitiesPerUser,
  errorsPerOperation,
  incomingRequests,
  mostUsedActivities,
  mostUsedOperations,
  rangeOf,
  timePerOperation,
  userRegistrations,
} from '../../services/statistics.js';
import { queryDate } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

export const dashboardOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.dashboard.getAll',
    method: 'GET',
    path: '/backend/dashboard',
    async handler({ platform, request }) {
      const range = rangeOf(queryDate(request.query, 'from'), queryDate(request.query, 'to'));
      const [requests, operations, errors, time, registrations, activities, perUser] = await Promise.all([
        incomingRequests(platform, range),
        mostUsedOperations(platform, range),
        errorsPerOperation(platform, range),
        timePerOperation(platform, range),
        userRegistrations(platform, range),
        mostUsedActivities(platform, range),
        activitiesPerUser(platform, range),
      ]);
      const dashboard: BackendDashboard = {
        incomingRequests: requests,
        mostUsedOperations: operations,
        errorsPerOperation: errors,
        timePerOperation: time,
        userRegistrations: registrations,
        mostUsedActivities: activities,
        activitiesPerUser: perUser,
      };
      return dashboard;
    },
  }),
];
