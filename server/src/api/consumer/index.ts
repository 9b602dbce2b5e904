import type { SystemOperation } from '../system-operation.js';
import { consumerAccountOperations } from './account.js';
import { backendUserResendOperations } from './backend-user-resend.js';

/** The consumer API (developer accounts) and its admin counterpart. */
export const consumerOperations: readonly SystemOperation[] = [
  ...consumerAccountOperations,
  ...backendUserResendOperations,
];
