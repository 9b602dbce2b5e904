/**
 * The JSON Schema subset a portal form renders (objects of strings, numbers, integers, booleans, enums,
 * nested objects and arrays of primitives), steered by a react-jsonschema-form style UI schema
 * (`ui:order`, `ui:title`, `ui:help`, `ui:placeholder`, `ui:widget`: textarea | password | hidden).
 */
export interface FormSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  format?: string;
  default?: unknown;
  properties?: Record<string, FormSchema>;
  required?: string[];
  items?: FormSchema;
  $ref?: string;
  $defs?: Record<string, FormSchema>;
  definitions?: Record<string, FormSchema>;
  [keyword: string]: unknown;
}

export type UiSchema = Record<string, unknown>;

export type FieldKind = 'text' | 'textarea' | 'password' | 'email' | 'date' | 'number' | 'select' | 'checkbox' | 'list';

export interface Field {
  /** the path of the value, e.g. ['address', 'city'] */
  path: string[];
  /** the DOM id and input name: the path joined by dots */
  id: string;
  label: string;
  help?: string;
  placeholder?: string;
  kind: FieldKind;
  required: boolean;
  integer: boolean;
  options: string[];
  /** the primitive type of a list's items */
  itemType?: string;
}

export interface Group {
  path: string[];
  id: string;
  legend: string;
  help?: string;
  children: Node[];
}

export type Node = { field: Field } | { group: Group };

const maxDepth = 8;

function typeOf(schema: FormSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type) return type;
  if (schema.properties) return 'object';
  if (schema.enum) return 'string';
  return undefined;
}

/** Follows a local `$ref` (`#/$defs/Name`, `#/definitions/Name`, `#`) inside the root schema. */
function resolve(root: FormSchema, schema: FormSchema, seen = 0): FormSchema {
  if (!schema.$ref || seen > maxDepth) return schema;
  const ref = schema.$ref;
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const target = match
    ? root[match[1] as '$defs' | 'definitions']?.[decodeURIComponent(match[2] as string)]
    : undefined;
  return target ? resolve(root, target, seen + 1) : {};
}

function words(name: string): string {
  const spaced = name.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function uiOf(ui: UiSchema | undefined, name: string): UiSchema {
  const own = ui?.[name];
  return own && typeof own === 'object' && !Array.isArray(own) ? (own as UiSchema) : {};
}

function ordered(names: string[], ui: UiSchema | undefined): string[] {
  const order = Array.isArray(ui?.['ui:order'])
    ? (ui['ui:order'] as unknown[]).filter((n) => typeof n === 'string')
    : [];
  if (order.length === 0) return names;
  const wildcard = order.indexOf('*');
  const listed = (order as string[]).filter((n) => n !== '*' && names.includes(n));
  const rest = names.filter((n) => !listed.includes(n));
  if (wildcard < 0) return [...listed, ...rest];
  const before = (order as string[]).slice(0, wildcard).filter((n) => names.includes(n));
  return [...before, ...rest, ...listed.filter((n) => !before.includes(n))];
}

/** The fields and groups of an object schema, in the UI schema's order, hidden ones left out. */
export function nodesOf(root: FormSchema, ui: UiSchema = {}, schema: FormSchema = root, path: string[] = []): Node[] {
  const object = resolve(root, schema);
  if (path.length > maxDepth) return [];
  const required = new Set(object.required ?? []);
  const nodes: Node[] = [];
  for (const name of ordered(Object.keys(object.properties ?? {}), ui)) {
    const property = resolve(root, object.properties?.[name] ?? {});
    const own = uiOf(ui, name);
    if (own['ui:widget'] === 'hidden') continue;
    const at = [...path, name];
    const id = at.join('.');
    const label = text(own['ui:title']) ?? text(property.title) ?? words(name);
    const help = text(own['ui:help']) ?? text(own['ui:description']) ?? text(property.description);
    const type = typeOf(property);
    if (type === 'object') {
      nodes.push({ group: { path: at, id, legend: label, help, children: nodesOf(root, own, property, at) } });
      continue;
    }
    const field: Field = {
      path: at,
      id,
      label,
      help,
      placeholder: text(own['ui:placeholder']),
      kind: 'text',
      required: required.has(name),
      integer: type === 'integer',
      options: [],
    };
    if (property.enum) {
      field.kind = 'select';
      field.options = property.enum.map(String);
    } else if (type === 'boolean') field.kind = 'checkbox';
    else if (type === 'number' || type === 'integer') field.kind = 'number';
    else if (type === 'array') {
      field.kind = 'list';
      field.itemType = typeOf(resolve(root, property.items ?? {})) ?? 'string';
    } else if (own['ui:widget'] === 'textarea') field.kind = 'textarea';
    else if (own['ui:widget'] === 'password') field.kind = 'password';
    else if (property.format === 'email') field.kind = 'email';
    else if (property.format === 'date') field.kind = 'date';
    nodes.push({ field });
  }
  return nodes;
}

export type Values = Record<string, string | boolean>;

/** Every field of a form, groups flattened. */
export function fieldsOf(nodes: Node[]): Field[] {
  return nodes.flatMap((node) => ('field' in node ? [node.field] : fieldsOf(node.group.children)));
}

/** The form's starting values: the schema's defaults, empty otherwise. */
export function initialValues(fields: Field[]): Values {
  return Object.fromEntries(fields.map((f) => [f.id, f.kind === 'checkbox' ? false : '']));
}

export interface BodyResult {
  body: Record<string, unknown>;
  /** problems by field id */
  errors: Record<string, string>;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function primitive(raw: string, type: string | undefined, label: string): { value?: unknown; error?: string } {
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) return { error: `${label} must be a number` };
    if (type === 'integer' && !Number.isInteger(n)) return { error: `${label} must be a whole number` };
    return { value: n };
  }
  if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') return { error: `${label} must be true or false` };
    return { value: raw === 'true' };
  }
  return { value: raw };
}

/** The request body the form's values make, or the problems that keep it from being sent. */
export function bodyOf(fields: Field[], values: Values): BodyResult {
  const body: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.id];
    if (field.kind === 'checkbox') {
      setAt(body, field.path, value === true);
      continue;
    }
    const raw = typeof value === 'string' ? value : '';
    if (raw.trim() === '') {
      if (field.required) errors[field.id] = `${field.label} is required`;
      continue;
    }
    if (field.kind === 'list') {
      const items = raw
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      const parsed = items.map((item) => primitive(item, field.itemType, field.label));
      const problem = parsed.find((p) => p.error);
      if (problem) errors[field.id] = problem.error as string;
      else
        setAt(
          body,
          field.path,
          parsed.map((p) => p.value),
        );
      continue;
    }
    const parsed = primitive(
      raw,
      field.kind === 'number' ? (field.integer ? 'integer' : 'number') : 'string',
      field.label,
    );
    if (parsed.error) errors[field.id] = parsed.error;
    else setAt(body, field.path, parsed.value);
  }
  return { body, errors };
}
