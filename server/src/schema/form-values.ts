import type { JsonSchema } from './json-schema.js';

const integerText = /^[+-]?\d+$/;
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Turns the text forms of numbers and booleans that HTML forms send (`"200"`, `"true"`, `"0"`) into the
 * typed values a config schema asks for, in place, before the schema validates. Only where the schema
 * does not accept a string: a string field keeps its text, and text that is no number stays text, so
 * the validator still names the field. An empty text in an object field that wants no string is an
 * empty form input: the field is dropped (its default applies, or `required` names it).
 */
export function typeFormValues(schema: unknown, value: unknown): unknown {
  if (!isObject(schema)) return value;
  const types = typesOf(schema);
  if (typeof value === 'string') return types && !types.includes('string') ? typedText(value, types) : value;
  if (
    typeof value === 'number' &&
    types?.includes('boolean') &&
    !types.includes('number') &&
    !types.includes('integer')
  ) {
    return value === 1 ? true : value === 0 ? false : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isObject(items)) for (let i = 0; i < value.length; i++) value[i] = typeFormValues(items, value[i]);
    return value;
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const rest = schema.additionalProperties;
    for (const key of Object.keys(value)) {
      const fieldSchema = Object.hasOwn(properties, key) ? properties[key] : rest;
      if (!isObject(fieldSchema)) continue;
      const typed =
        value[key] === '' && wantsNoString(fieldSchema) ? undefined : typeFormValues(fieldSchema, value[key]);
      if (typed === undefined) delete value[key];
      else value[key] = typed;
    }
  }
  return value;
}

function typedText(text: string, types: string[]): unknown {
  const trimmed = text.trim();
  if (types.includes('integer') && integerText.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isSafeInteger(n)) return n;
  }
  if (types.includes('number') && numberText.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isFinite(n)) return n;
  }
  if (types.includes('boolean')) {
    if (trimmed === 'true' || trimmed === '1') return true;
    if (trimmed === 'false' || trimmed === '0') return false;
  }
  return text;
}

function wantsNoString(schema: JsonSchema): boolean {
  const types = typesOf(schema);
  return types !== null && !types.includes('string');
}

function typesOf(schema: JsonSchema): string[] | null {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
