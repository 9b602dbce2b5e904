import type { CommonFormContainer } from 'fusio-sdk';
import type { JsonSchema } from '../plugins/action.js';

type FormElement = NonNullable<CommonFormContainer['element']>[number];

export interface FormOptions {
  /** names of the configured connections, with their class, for `"x-form": "connection"` fields */
  connections?: { name: string; class: string }[];
  /** names of the configured actions, for `"x-form": "action"` fields */
  actions?: { name: string }[];
}

/**
 * Renders a config JSON Schema as Fusio's form container, so Fusio-style UIs can draw the form.
 * The JSON Schema itself travels beside it (`schema`) for UIs that render JSON Schema directly.
 */
export function formFromSchema(
  schema: JsonSchema,
  options: FormOptions = {},
): CommonFormContainer & { schema: JsonSchema } {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const element: FormElement[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    element.push(elementFor(name, prop, options));
  }
  return { element, schema };
}

function elementFor(name: string, prop: JsonSchema, options: FormOptions): FormElement {
  const base = {
    name,
    title: typeof prop.title === 'string' ? prop.title : name,
    ...(typeof prop.description === 'string' ? { help: prop.description } : {}),
  };
  const hint = prop['x-form'];
  if (hint === 'connection') {
    const allowed = prop['x-connection-classes'] as string[] | undefined;
    const list = (options.connections ?? []).filter((c) => !allowed || allowed.includes(c.class));
    return { ...base, element: 'select', type: 'select', options: list.map((c) => ({ key: c.name, value: c.name })) };
  }
  if (hint === 'action') {
    const list = options.actions ?? [];
    return { ...base, element: 'select', type: 'select', options: list.map((a) => ({ key: a.name, value: a.name })) };
  }
  if (hint === 'textarea') {
    const mode = typeof prop['x-mode'] === 'string' ? prop['x-mode'] : 'text';
    return { ...base, element: 'textarea', type: 'textarea', mode };
  }
  if (Array.isArray(prop.enum)) {
    const labels = (prop['x-labels'] ?? {}) as Record<string, string>;
    return {
      ...base,
      element: 'select',
      type: 'select',
      options: prop.enum.map((v) => ({ key: String(v), value: labels[String(v)] ?? String(v) })),
    };
  }
  const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
  if (type === 'boolean') return { ...base, element: 'checkbox', type: 'checkbox' };
  if (type === 'array') return { ...base, element: 'collection', type: 'collection' };
  if (type === 'object') return { ...base, element: 'map', type: 'map' };
  return { ...base, element: 'input', type: 'input' };
}
