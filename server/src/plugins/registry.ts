import type { ValidateFunction } from 'ajv/dist/2020.js';
import { badRequest } from '../errors.js';
import { typeFormValues } from '../schema/form-values.js';
import { describeValidationError, newAjv } from '../schema/json-schema.js';
import type { JsonSchema } from './action.js';

/** What action types and connection types share: a class id, a display name and a config schema. */
export interface Plugin {
  readonly class: string;
  readonly name: string;
  readonly config: JsonSchema;
}

/**
 * The installed types of one kind (actions or connections), found by class. Configs are validated
 * against the type's JSON Schema, with its defaults applied, before anything is stored or built.
 */
export class PluginRegistry<T extends Plugin> {
  private readonly types = new Map<string, T>();
  /** bumped each time a class is (re-)registered, so anything built from the old type is rebuilt */
  private readonly generations = new Map<string, number>();
  private counter = 0;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = newAjv({ useDefaults: true });

  constructor(private readonly kind: string) {}

  register(type: T): void {
    this.types.set(type.class, type);
    this.validators.delete(type.class);
    this.generations.set(type.class, ++this.counter);
  }

  unregister(className: string): void {
    this.types.delete(className);
    this.validators.delete(className);
    this.generations.set(className, ++this.counter);
  }

  generation(className: string): number {
    return this.generations.get(className) ?? 0;
  }

  get(className: string): T | undefined {
    return this.types.get(className);
  }

  list(): T[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Returns the config typed (`"200"` → 200 where the schema wants a number) with defaults applied;
   * throws a 400 PorticoError that names the bad field.
   */
  validateConfig(className: string, config: unknown): Record<string, unknown> {
    const type = this.types.get(className);
    if (!type) throw badRequest(`${this.kind} class "${className}" does not exist`);
    let validate = this.validators.get(className);
    if (!validate) {
      validate = this.ajv.compile(type.config);
      this.validators.set(className, validate);
    }
    // Fusio's forms send numbers and booleans as text: store and show them typed
    const copy = typeFormValues(type.config, structuredClone(config ?? {})) as Record<string, unknown>;
    if (!validate(copy)) throw badRequest(describeValidationError(validate.errors, `${this.kind} config`));
    return copy;
  }
}
