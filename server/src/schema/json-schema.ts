import { Ajv2020, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** A JSON Schema document or fragment (the shape of a config form, a request body, …). */
export type JsonSchema = { [keyword: string]: unknown };

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** A JSON Schema (2020-12) validator set; schemas can reference each other by name (`{"$ref": "Address"}`). */
export function newAjv(options: { useDefaults?: boolean; verbose?: boolean; allErrors?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: options.allErrors ?? false,
    useDefaults: options.useDefaults ?? false,
    // errors carry the failing sub-schema, so its `x-error` can speak for it
    verbose: options.verbose ?? false,
    validateFormats: true,
    // a user schema is data: never let it pull code or remote documents
    loadSchema: undefined,
  });
  addFormats(ajv);
  // Portico's form hints are annotations, not assertions
  for (const keyword of ['x-form', 'x-mode', 'x-secret', 'x-connection-classes', 'x-order', 'x-error', 'x-empty']) {
    ajv.addKeyword(keyword);
  }
  return ajv;
}

/** "Property /address/street must be string" — names the field first, as a developer reads it. */
export function describeValidationError(errors: ErrorObject[] | null | undefined, subject = 'Request body'): string {
  const error = errors?.[0];
  if (!error) return `${subject} is not valid`;
  const schema = error.parentSchema as Record<string, unknown> | undefined;
  // a value that is missing or empty may have words of its own (`x-empty`, schema/fragments.ts)
  const empty =
    error.keyword === 'required'
      ? (schema?.properties as Record<string, Record<string, unknown>> | undefined)?.[
          String(error.params.missingProperty)
        ]?.['x-empty']
      : error.data === ''
        ? schema?.['x-empty']
        : undefined;
  if (typeof empty === 'string') return empty;
  // a rule that says in words what it wants (schema/fragments.ts) is answered in those words
  const custom = schema?.['x-error'];
  if (typeof custom === 'string' && error.keyword !== 'required')
    return custom.replaceAll('{value}', shown(error.data));
  let field = error.instancePath;
  if (error.keyword === 'required') field = `${field}/${String(error.params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    return `${subject}: property ${field}/${String(error.params.additionalProperty)} is not allowed`;
  }
  const where = field ? `property ${field}` : subject.toLowerCase();
  const message = error.keyword === 'required' ? 'is required' : error.message;
  return `${subject}: ${where} ${message}`;
}

/** A refused value as an `x-error` message quotes it (`{value}`): strings as they are, anything else as JSON, cut short. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The validator for one named schema, or an error that explains why it cannot be built. */
export interface SchemaSource {
  name: string;
  source: unknown;
}

/**
 * Compiles the user's schemas into validators. One Ajv instance per generation of the schema set, so a
 * routing-table rebuild that did not touch schemas reuses every compiled validator.
 */
export class SchemaCompiler {
  private generation = '';
  private ajv = newAjv();
  private readonly validators = new Map<string, ValidateFunction>();

  /** Prepares for a set of schemas identified by `generation` (changes when any schema changes). */
  load(generation: string, schemas: SchemaSource[]): void {
    if (generation === this.generation) return;
    this.generation = generation;
    this.ajv = newAjv();
    this.validators.clear();
    for (const schema of schemas) {
      try {
        this.ajv.addSchema(withoutId(schema.source) as AnySchema, schema.name);
      } catch {
        // an unusable schema surfaces as a compile error for the operations that use it
      }
    }
  }

  /**
   * The validator of one commit of a schema (`Name@hash`), for a pinned or released operation; the
   * names it references resolve to the current schemas.
   */
  commitValidator(key: string, source: unknown): ValidateFunction {
    const known = this.validators.get(key);
    if (known) return known;
    if (!this.ajv.getSchema(key)) this.ajv.addSchema(withoutId(source) as AnySchema, key);
    return this.validator(key);
  }

  validator(name: string): ValidateFunction {
    const known = this.validators.get(name);
    if (known) return known;
    const validate = this.ajv.getSchema(name);
    if (!validate) throw new Error(`Schema "${name}" does not exist or is not a valid JSON Schema`);
    this.validators.set(name, validate);
    return validate;
  }
}

/** `$id` in a stored schema would register it under a second name; the stored name is the identity. */
function withoutId(source: unknown): unknown {
  if (source && typeof source === 'object' && !Array.isArray(source) && '$id' in source) {
    const { $id: _ignored, ...rest } = source as Record<string, unknown>;
    return rest;
  }
  return source;
}

/** Checks that a schema source compiles on its own (references to other stored schemas allowed). */
export function checkSchemaSource(source: unknown, others: SchemaSource[], name: string): string | null {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return 'Schema source must be a JSON object';
  }
  const ajv = newAjv();
  try {
    for (const other of others)
      if (other.name !== name) ajv.addSchema(withoutId(other.source) as AnySchema, other.name);
  } catch {
    // a broken neighbour is its own problem
  }
  try {
    ajv.addSchema(withoutId(source) as AnySchema, name);
    ajv.getSchema(name);
    return null;
  } catch (error) {
    return `Schema is not a valid JSON Schema: ${(error as Error).message}`;
  }
}
