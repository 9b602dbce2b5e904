/**
 * What a Portico project imports: the typed API for custom actions and connection types.
 * `import { defineAction, response, errors } from '@portico/server'`.
 */

export { type CustomAction, type CustomActionDefinition, defineAction } from './actions/custom/define-action.js';
export { type ErrorCode, PorticoError } from './errors.js';
export type {
  ActionApp,
  ActionContext,
  ActionLogger,
  ActionRequest,
  ActionResponse,
  ActionUser,
  ConnectionAccess,
  DispatchOptions,
  JsonSchema,
} from './plugins/action.js';
export { response } from './plugins/action.js';

import { badRequest, conflict, forbidden, gone, notFound, serviceUnavailable, unauthorized } from './errors.js';

/** Throw one of these from an action to answer with that status and Fusio's error body. */
export const errors = {
  badRequest,
  unauthorized,
  forbidden,
  notFound,
  conflict,
  gone,
  serviceUnavailable,
};
