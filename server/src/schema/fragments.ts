import { badRequest } from '../errors.js';
import type { JsonSchema } from './json-schema.js';

/**
 * Pieces of the platform's own request schemas, so one rule is written once and serves the edge's
 * validation, the OpenAPI document and the admin app's forms. `x-error` is the message a client gets
 * when the rule is broken, `x-empty` the one for a value that is missing or empty
 * (schema/json-schema.ts `describeValidationError`).
 */

/** A name of letters, digits and the given punctuation, e.g. `nameField('schema')`. */
export function nameField(
  label: string,
  options: {
    min?: number;
    max?: number;
    also?: string;
    notOneOf?: readonly string[];
    /** the message for a name that is missing (where required) or empty, instead of the rule's */
    empty?: string;
  } = {},
): JsonSchema {
  const min = options.min ?? 3;
  const max = options.max ?? 255;
  const also = options.also ?? '-_';
  const escaped = also.replace(/[-\\\]^]/g, (c) => `\\${c}`);
  const allowed = [...also].map((c) => (c === ' ' ? 'spaces' : `"${c}"`));
  const last = allowed.pop();
  const listed = allowed.length > 0 ? `${allowed.join(', ')} or ${last}` : last;
  const forbidden = options.notOneOf?.length ? ` (not ${options.notOneOf.map((n) => `"${n}"`).join(', ')})` : '';
  const schema: JsonSchema = {
    type: 'string',
    pattern: `^[a-zA-Z0-9${escaped}]{${min},${max}}$`,
    'x-error': `Invalid ${label} name: use ${min} to ${max} letters, digits, ${listed}${forbidden}`,
  };
  if (options.notOneOf?.length) schema.not = { enum: [...options.notOneOf] };
  if (options.empty) schema['x-empty'] = options.empty;
  return schema;
}

const compiledNames = new WeakMap<JsonSchema, RegExp>();

/**
 * Checks a name against its `nameField` where no request schema ran (a repository called by code): the
 * same pattern and the same answer as at the edge.
 */
export function assertNamed(field: JsonSchema, value: unknown): string {
  let pattern = compiledNames.get(field);
  if (!pattern) {
    pattern = new RegExp(field.pattern as string);
    compiledNames.set(field, pattern);
  }
  if (typeof value !== 'string' || !pattern.test(value)) throw badRequest(field['x-error'] as string);
  return value;
}

/**
 * A rule that answers in its own words. Put it in the `allOf` of a typed schema (`typed`): a value of
 * the wrong type keeps the generic answer naming the field, a value the rule refuses gets `message`;
 * `{value}` in it quotes the refused value.
 */
export function rule(message: string, schema: JsonSchema): JsonSchema {
  return { ...schema, 'x-error': message };
}

/** A value of `type` that must pass `rules` in order, e.g. `typed('integer', rule('… at least 0', {minimum: 0}))`. */
export function typed(type: string | readonly string[], ...rules: JsonSchema[]): JsonSchema {
  const schema: JsonSchema = { type: typeof type === 'string' ? type : [...type] };
  if (rules.length > 0) schema.allOf = rules;
  return schema;
}

/** Fusio's metadata: string values by string keys. */
export const metadataField: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

/** A list of scope names. */
export const scopesField: JsonSchema = { type: 'array', items: { type: 'string', maxLength: 255 }, maxItems: 256 };

/** A database id. */
export const idField: JsonSchema = { type: 'integer', minimum: 1 };
