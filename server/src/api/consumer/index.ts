import type { SystemOperation } from '../system-operation.js';
import { consumerAccountOperations } from './account.js';
import { consumerAppOperations } from './app.js';
import { backendUserResendOperations } from './backend-user-resend.js';
import { consumerGrantOperations } from './grant.js';
import { consumerScopeOperations } from './scope.js';
import { consumerTokenOperations } from './token.js';

/** The consumer API (developer accounts, apps, scopes, personal tokens, grants) and its admin counterpart. */
export const consumerOperations: readonly SystemOperation[] = [
  ...consumerAccountOperations,
  ...consumerAppOperations,
  ...consumerScopeOperations,
  ...consumerTokenOperations,
  ...consumerGrantOperations,
  ...backendUserResendOperations,
];
