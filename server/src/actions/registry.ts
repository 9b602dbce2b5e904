import { PluginRegistry } from '../plugin-registry.js';
import type { ActionType } from './action.js';

/** The action types this Portico knows: built-ins and the user's custom actions. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds action types of every config shape
export class ActionRegistry extends PluginRegistry<ActionType<any>> {
  constructor() {
    super('Action');
  }
}
