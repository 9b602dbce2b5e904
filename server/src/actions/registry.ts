import type { ActionType } from '../plugins/action.js';
import { PluginRegistry } from '../plugins/registry.js';

/** The action types this Portico knows: built-ins and the user's custom actions. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds action types of every config shape
export class ActionRegistry extends PluginRegistry<ActionType<any>> {
  constructor() {
    super('Action');
  }
}
