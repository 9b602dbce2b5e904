import type { ActionRow } from '../db/schema.js';
import type { ActionEnv, ActionHandler } from '../plugins/action.js';
import { withoutPin } from '../schema/names.js';
import type { ActionRegistry } from './registry.js';

/** How operations and triggers name an action: `action://name`, just `name`, or pinned `action://name@hash`. */
export function actionNameOf(reference: string): string {
  return withoutPin(reference.startsWith('action://') ? reference.slice('action://'.length) : reference);
}

/** A handler from a stored action: its class's factory with the validated config. */
export async function buildActionHandler(
  registry: ActionRegistry,
  row: Pick<ActionRow, 'name' | 'class' | 'config'>,
  env: ActionEnv,
): Promise<ActionHandler> {
  const type = registry.get(row.class);
  if (!type) throw new Error(`action class "${row.class}" is not installed`);
  const config = registry.validateConfig(row.class, safeJson(row.config ?? '{}'));
  return type.create(config, env);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
