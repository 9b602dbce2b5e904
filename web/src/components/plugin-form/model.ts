import type { CommonFormContainer } from 'fusio-sdk';

/** A property of a plugin's config JSON Schema, as far as the form reads it. */
export interface PropertySchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  items?: PropertySchema;
  additionalProperties?: boolean | PropertySchema;
  'x-secret'?: boolean;
  'x-form'?: string;
  'x-mode'?: string;
  [keyword: string]: unknown;
}

/** What `/backend/{action,connection}/form` and `/backend/generator/{provider}` answer: Fusio's container, and Portico's JSON Schema beside it. */
export type PluginFormSpec = CommonFormContainer & {
  schema?: { properties?: Record<string, PropertySchema>; required?: string[]; [keyword: string]: unknown };
};

export type FormElement = NonNullable<CommonFormContainer['element']>[number];

/** How one field is drawn and how its text becomes a config value. */
export type FieldKind = 'text' | 'secret' | 'number' | 'select' | 'checkbox' | 'textarea' | 'json' | 'list' | 'map';

export interface FieldSpec {
  name: string;
  label: string;
  help?: string;
  kind: FieldKind;
  required: boolean;
  /** the select's options: the stored key and the label shown */
  options: { value: string; label: string }[];
  /** a textarea's mode (`json`, `sql`, `text`, …) */
  mode?: string;
  /** integer only (number fields) */
  integer: boolean;
  /** the config value is a JSON object or array, typed in as JSON text */
  structured: boolean;
  schema: PropertySchema;
}

/** The mask the API sends instead of a stored credential; sent back unchanged it keeps the stored one. */
export const secretMask = '********';

function types(schema: PropertySchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** The fields of a form: Fusio's elements in their order, refined by the JSON Schema when it travels along. */
export function fieldsOf(spec: PluginFormSpec): FieldSpec[] {
  const properties = spec.schema?.properties ?? {};
  const required = new Set(spec.schema?.required ?? []);
  return (spec.element ?? [])
    .filter((e): e is FormElement & { name: string } => typeof e.name === 'string' && e.name !== '')
    .map((element) => {
      const schema = properties[element.name] ?? {};
      const t = types(schema);
      const numeric = t.length > 0 && t.every((x) => x === 'integer' || x === 'number' || x === 'null');
      const base = {
        name: element.name,
        label: element.title || schema.title || element.name,
        ...(element.help ? { help: element.help } : schema.description ? { help: schema.description } : {}),
        required: required.has(element.name),
        options: [] as { value: string; label: string }[],
        integer: t.includes('integer') && !t.includes('number'),
        structured: false,
        schema,
      };
      switch (element.type) {
        case 'select':
          return {
            ...base,
            kind: 'select' as const,
            options: (element.options ?? []).map((o) => ({
              value: String(o.key ?? ''),
              label: String(o.value ?? o.key ?? ''),
            })),
          };
        case 'checkbox':
          return { ...base, kind: 'checkbox' as const };
        case 'textarea': {
          const mode = element.mode ?? schema['x-mode'] ?? 'text';
          const structured = t.includes('object') || t.includes('array');
          return { ...base, kind: mode === 'json' ? ('json' as const) : ('textarea' as const), mode, structured };
        }
        case 'typeschema':
        case 'typeapi':
          return { ...base, kind: 'json' as const, mode: 'json', structured: true };
        case 'collection': {
          const itemTypes = types(schema.items ?? {});
          const simple = itemTypes.length === 0 || itemTypes.every((x) => x !== 'object' && x !== 'array');
          return simple ? { ...base, kind: 'list' as const } : { ...base, kind: 'json' as const, structured: true };
        }
        case 'map': {
          const extra = schema.additionalProperties;
          const values = extra && typeof extra === 'object' ? types(extra) : [];
          const flat = schema.properties === undefined && values.every((x) => x === 'string');
          return flat ? { ...base, kind: 'map' as const } : { ...base, kind: 'json' as const, structured: true };
        }
        default:
          if (schema['x-secret'] === true) return { ...base, kind: 'secret' as const };
          return numeric ? { ...base, kind: 'number' as const } : { ...base, kind: 'text' as const };
      }
    });
}

/** What the form holds while it is edited: text for text-like fields, arrays of strings for lists, rows for maps. */
export type FieldValue = string | boolean | string[] | { key: string; value: string }[];
export type FormValues = Record<string, FieldValue>;

/** The form's values from a stored config (or the schema's defaults for a new one). */
export function valuesOf(fields: FieldSpec[], config: Record<string, unknown> | undefined): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const stored = config && field.name in config ? config[field.name] : field.schema.default;
    values[field.name] = formValueOf(field, stored);
  }
  return values;
}

function formValueOf(field: FieldSpec, stored: unknown): FieldValue {
  switch (field.kind) {
    case 'checkbox':
      return stored === true || stored === 1 || stored === '1' || stored === 'true';
    case 'list':
      return Array.isArray(stored) ? stored.map(String) : typeof stored === 'string' && stored ? stored.split(',') : [];
    case 'map':
      return stored && typeof stored === 'object' && !Array.isArray(stored)
        ? Object.entries(stored).map(([key, value]) => ({ key, value: String(value ?? '') }))
        : [];
    case 'json':
    case 'textarea':
      if (stored === undefined || stored === null) return '';
      return typeof stored === 'string' ? stored : JSON.stringify(stored, null, 2);
    default:
      return stored === undefined || stored === null ? '' : String(stored);
  }
}

export interface ConfigResult {
  config: Record<string, unknown>;
  /** problems found before anything is sent (JSON that does not parse, a number that is not one) */
  errors: Record<string, string>;
}

/**
 * The config to send: empty optional fields are left out (the type's defaults apply), numbers become
 * numbers, JSON text becomes the object it spells when the property wants one, secrets go as typed
 * (the mask keeps the stored credential).
 */
export function configOf(fields: FieldSpec[], values: FormValues): ConfigResult {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    switch (field.kind) {
      case 'checkbox':
        config[field.name] = value === true;
        break;
      case 'list': {
        const items = (value as string[]).map((s) => s.trim()).filter((s) => s !== '');
        if (items.length > 0 || field.required) config[field.name] = items;
        break;
      }
      case 'map': {
        const rows = (value as { key: string; value: string }[]).filter((r) => r.key.trim() !== '');
        if (rows.length > 0 || field.required) {
          config[field.name] = Object.fromEntries(rows.map((r) => [r.key.trim(), r.value]));
        }
        break;
      }
      case 'number': {
        const text = String(value).trim();
        if (text === '') break;
        const n = Number(text);
        if (!Number.isFinite(n) || (field.integer && !Number.isInteger(n))) {
          errors[field.name] = field.integer ? 'Enter a whole number' : 'Enter a number';
        } else config[field.name] = n;
        break;
      }
      case 'json': {
        const text = String(value);
        if (text.trim() === '') break;
        if (!field.structured) {
          // Fusio keeps such bodies as JSON text; it still has to be JSON
          try {
            JSON.parse(text);
          } catch (error) {
            errors[field.name] = `This is not valid JSON: ${(error as Error).message}`;
          }
          config[field.name] = text;
          break;
        }
        try {
          config[field.name] = JSON.parse(text);
        } catch (error) {
          errors[field.name] = `This is not valid JSON: ${(error as Error).message}`;
        }
        break;
      }
      default: {
        const text = String(value);
        if (text === '' && !field.required) break;
        config[field.name] = text;
      }
    }
  }
  return { config, errors };
}

/**
 * The field an API refusal is about: Portico names it as `property /name` (JSON pointer into the config),
 * Fusio by its title or name in words. Null when it names none of the form's fields.
 */
export function fieldOfError(fields: FieldSpec[], message: string): string | null {
  const pointer = /property \/([^/\s]+)/.exec(message)?.[1];
  if (pointer) {
    const name = pointer.replaceAll('~1', '/').replaceAll('~0', '~');
    if (fields.some((f) => f.name === name)) return name;
  }
  for (const field of fields) {
    const quoted = new RegExp(`["'\`]${escapeRegExp(field.name)}["'\`]`);
    if (quoted.test(message)) return field.name;
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
