import { type Schema, Validator } from '@cfworker/json-schema';

export type JsonValue = unknown;
type SchemaObject = Record<string, unknown>;

/** Where JSON.parse stopped, as "line 3, column 7", from the offset engines put in their message. */
function located(text: string, message: string): string {
  const at = /position (\d+)/.exec(message)?.[1];
  if (at === undefined) return message;
  const before = text.slice(0, Number(at));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} (line ${line}, column ${column})`;
}

/** Parses JSON text; the error says where it broke. */
export function parseJson(text: string): { value: JsonValue } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `This is not valid JSON: ${located(text, (error as Error).message)}` };
  }
}

const typeNames = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/**
 * What Portico's Ajv (JSON Schema 2020-12) would refuse or misread, found without running the schema:
 * wrong shapes of the structural keywords. Names of other schemas (`$ref`) are collected for the caller.
 */
export function schemaProblems(source: JsonValue): { problems: string[]; refs: string[] } {
  const problems: string[] = [];
  const refs = new Set<string>();
  if (!source || typeof source !== 'object' || Array.isArray(source)) {
    return { problems: ['A schema must be a JSON object'], refs: [] };
  }
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'boolean') return;
    if (!node || typeof node !== 'object' || Array.isArray(node)) {
      problems.push(`${path || '/'} must be a schema (an object or true/false)`);
      return;
    }
    const s = node as SchemaObject;
    if (s.type !== undefined) {
      const list = Array.isArray(s.type) ? s.type : [s.type];
      for (const t of list) {
        if (typeof t !== 'string' || !typeNames.has(t))
          problems.push(`${path}/type: "${String(t)}" is not a JSON Schema type`);
      }
    }
    if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))) {
      problems.push(`${path}/required must be an array of property names`);
    }
    if (s.enum !== undefined && !Array.isArray(s.enum)) problems.push(`${path}/enum must be an array`);
    for (const keyword of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
      const v = s[keyword];
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        problems.push(`${path}/${keyword} must be a whole number ≥ 0`);
      }
    }
    for (const keyword of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']) {
      if (s[keyword] !== undefined && typeof s[keyword] !== 'number')
        problems.push(`${path}/${keyword} must be a number`);
    }
    if (typeof s.pattern === 'string') {
      try {
        new RegExp(s.pattern, 'u');
      } catch {
        problems.push(`${path}/pattern is not a valid regular expression`);
      }
    } else if (s.pattern !== undefined) problems.push(`${path}/pattern must be a string`);
    if (s.$ref !== undefined) {
      if (typeof s.$ref !== 'string') problems.push(`${path}/$ref must be a string`);
      else if (!s.$ref.startsWith('#')) refs.add(s.$ref);
    }
    for (const keyword of ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']) {
      const map = s[keyword];
      if (map === undefined) continue;
      if (!map || typeof map !== 'object' || Array.isArray(map)) {
        problems.push(`${path}/${keyword} must be an object`);
        continue;
      }
      for (const [key, child] of Object.entries(map)) walk(child, `${path}/${keyword}/${key}`);
    }
    for (const keyword of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']) {
      if (s[keyword] !== undefined) walk(s[keyword], `${path}/${keyword}`);
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
      const list = s[keyword];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) problems.push(`${path}/${keyword} must be a non-empty array`);
      else for (const [i, child] of list.entries()) walk(child, `${path}/${keyword}/${i}`);
    }
  };
  walk(source, '');
  return { problems, refs: [...refs] };
}

/** An example value that fits the schema, for the preview (other schemas found through `resolve`). */
export function exampleOf(schema: unknown, resolve: (name: string) => unknown, depth = 0): JsonValue {
  if (depth > 6 || !schema || typeof schema !== 'object') return null;
  const s = schema as SchemaObject;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (typeof s.$ref === 'string') {
    const target = s.$ref.startsWith('#') ? undefined : resolve(s.$ref);
    return target === undefined ? {} : exampleOf(target, resolve, depth + 1);
  }
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...s.allOf.map((part) => exampleOf(part, resolve, depth + 1) ?? {}));
  }
  for (const keyword of ['oneOf', 'anyOf']) {
    const list = s[keyword];
    if (Array.isArray(list) && list.length > 0) return exampleOf(list[0], resolve, depth + 1);
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  const type =
    types.find((t) => t !== 'null') ?? (s.properties ? 'object' : s.items ? 'array' : (types[0] ?? 'object'));
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const [name, child] of Object.entries(properties)) out[name] = exampleOf(child, resolve, depth + 1);
      return out;
    }
    case 'array':
      return s.items === undefined ? [] : [exampleOf(s.items, resolve, depth + 1)];
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return exampleString(s);
  }
}

function exampleString(s: SchemaObject): string {
  switch (s.format) {
    case 'date-time':
      return '2026-01-31T12:00:00Z';
    case 'date':
      return '2026-01-31';
    case 'time':
      return '12:00:00Z';
    case 'email':
      return 'someone@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '3f1c2a4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b';
    case 'ipv4':
      return '192.0.2.1';
    default: {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      const max = typeof s.maxLength === 'number' ? s.maxLength : 64;
      const text = 'text'.padEnd(min, 'x');
      return text.slice(0, Math.max(min, Math.min(max, text.length)));
    }
  }
}

/**
 * Checks a value against the schema (2020-12), with the other named schemas it refers to; the messages
 * say where the value breaks the schema. A reference to a schema that does not exist is a problem too.
 */
export function checkExample(
  schema: JsonValue,
  others: Record<string, unknown>,
  value: JsonValue,
): { valid: true } | { valid: false; errors: string[] } {
  try {
    const validator = new Validator(schema as Schema, '2020-12', false);
    for (const [name, source] of Object.entries(others)) {
      if (source && typeof source === 'object') validator.addSchema(source as Schema, name);
    }
    const result = validator.validate(value);
    if (result.valid) return { valid: true };
    // the leaves say what is wrong; "a subschema had errors" only says where
    const leaves = result.errors.filter((e) => !['properties', '$ref', 'items', 'allOf'].includes(e.keyword));
    return {
      valid: false,
      errors: (leaves.length > 0 ? leaves : result.errors).map(
        (e) => `${e.instanceLocation.replace(/^#/, '') || '/'}: ${e.error}`,
      ),
    };
  } catch (error) {
    const message = (error as Error).message;
    const missing = /Unresolved \$ref "([^"]+)"/.exec(message)?.[1];
    return { valid: false, errors: [missing ? `The schema refers to "${missing}", which does not exist` : message] };
  }
}
