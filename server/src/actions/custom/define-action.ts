import type { ActionContext, ActionRequest, JsonSchema } from '../../plugins/action.js';

const customBrand: unique symbol = Symbol.for('portico.custom-action');

/** What a user writes in a custom action module. */
export interface CustomActionDefinition<C = Record<string, unknown>> {
  /** display name in the backend, e.g. `Create-Order` */
  name: string;
  description?: string;
  /**
   * Stable identifier stored with each action that uses this module. Defaults to `Custom.` plus the
   * file's path inside the actions folder (`orders/create.ts` → `Custom.orders.create`).
   */
  class?: string;
  /** JSON Schema of the config an admin fills in for each action built from this module */
  config?: JsonSchema;
  /** runs once per request; return a body, or `response(status, body, headers)` */
  handle(request: ActionRequest, context: ActionContext, config: C): unknown;
}

export interface CustomAction<C = Record<string, unknown>> extends CustomActionDefinition<C> {
  readonly [customBrand]: true;
}

/**
 * Declares a custom action: the "implementation" door into an app, in TypeScript or JavaScript.
 *
 * ```ts
 * import { defineAction, response } from '@portico/server';
 * export default defineAction({
 *   name: 'Hello',
 *   config: { type: 'object', properties: { greeting: { type: 'string', default: 'Hello' } } },
 *   handle: (request, context, config) => ({ message: `${config.greeting}, ${context.user.name}` }),
 * });
 * ```
 */
export function defineAction<C = Record<string, unknown>>(definition: CustomActionDefinition<C>): CustomAction<C> {
  return { ...definition, [customBrand]: true };
}

export function isCustomAction(value: unknown): value is CustomAction {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[customBrand] === true;
}
