import { authorizationOperations } from './authorization/index.js';
import { accountOperations } from './backend/account.js';
import { actionOperations } from './backend/action.js';
import { appOperations } from './backend/app.js';
import { configOperations } from './backend/config.js';
import { connectionOperations } from './backend/connection.js';
import { connectionHttpOperations } from './backend/connection-http.js';
import { dashboardOperations } from './backend/dashboard.js';
import { databaseOperations } from './backend/database.js';
import { generatorOperations } from './backend/generator.js';
import { identityOperations } from './backend/identity.js';
import { logOperations } from './backend/log.js';
import { operationOperations } from './backend/operation.js';
import { rateOperations } from './backend/rate.js';
import { roleOperations } from './backend/role.js';
import { schemaOperations } from './backend/schema.js';
import { scopeOperations } from './backend/scope.js';
import { tokenOperations } from './backend/token.js';
import { userOperations } from './backend/user.js';
import { consumerAuthorizeOperations } from './consumer/authorize.js';
import { consumerIdentityOperations } from './consumer/identity.js';
import { consumerOperations } from './consumer/index.js';
import { systemOperations } from './system/index.js';
import type { SystemOperation } from './system-operation.js';
import { wellKnownOperations } from './well-known.js';

/** Every operation of the platform's own APIs. */
export const platformOperations: readonly SystemOperation[] = [
  ...accountOperations,
  ...actionOperations,
  ...appOperations,
  ...configOperations,
  ...connectionOperations,
  ...connectionHttpOperations,
  ...dashboardOperations,
  ...databaseOperations,
  ...generatorOperations,
  ...identityOperations,
  ...logOperations,
  ...operationOperations,
  ...rateOperations,
  ...roleOperations,
  ...schemaOperations,
  ...scopeOperations,
  ...tokenOperations,
  ...userOperations,
  ...consumerOperations,
  ...authorizationOperations,
  ...systemOperations,
  ...consumerAuthorizeOperations,
  ...consumerIdentityOperations,
  ...wellKnownOperations,
];
