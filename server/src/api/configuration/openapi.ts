import { parse } from 'yaml';
import type { ConfigurationFile } from './file.js';
import type { Entry } from './kinds.js';

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Json = Record<string, unknown>;

/** A name the backend accepts: letters, digits and the characters allowed, 3 to `max` long. */
function cleanName(raw: string, allowed: RegExp, max: number): string {
  let name = raw.replace(allowed, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (name.length < 3) name = `op-${name}`.replace(/-$/, '');
  return name.slice(0, max);
}

function operationName(raw: string): string {
  const name = raw
    .replace(/[^A-Za-z0-9_.]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[_.]+|[_.]+$/g, '');
  return (name.length < 3 ? `op_${name}` : name).slice(0, 64);
}
const entityName = (raw: string) => cleanName(raw, /[^A-Za-z0-9_-]+/g, 255);

/** `#/components/schemas/Server` → `Server` (a Portico schema of that name), everywhere in a schema. */
function withNamedRefs(schema: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => withNamedRefs(s, names));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === '$ref' && typeof value === 'string') {
      const name = value.startsWith('#/components/schemas/') ? value.slice('#/components/schemas/'.length) : value;
      out.$ref = names.get(name) ?? name;
    } else out[key] = withNamedRefs(value, names);
  }
  return out;
}

function jsonSchemaOf(content: unknown): unknown {
  if (!content || typeof content !== 'object') return undefined;
  const entries = Object.entries(content as Json);
  const json = entries.find(([type]) => type === 'application/json' || /\+json$/.test(type)) ?? entries[0];
  return (json?.[1] as Json | undefined)?.schema;
}

export interface OpenApiImport {
  readonly file: ConfigurationFile;
  readonly operations: number;
}

/**
 * Turns an OpenAPI 3 document into a configuration: one proxy action (HTTP-Processor to `upstream` +
 * the path) and one operation per path and method, the component schemas as schemas, request and
 * response bodies as the operations' incoming and outgoing schemas. Operations the document secures
 * are private (a token is needed); the others are public.
 */
export function importOpenApi(text: string, upstream: string): OpenApiImport {
  const doc = parse(text) as Json | null;
  if (!doc || typeof doc !== 'object' || typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new Error('not an OpenAPI 3 document (the `openapi: 3.x` field is missing)');
  }
  const base = upstream.replace(/\/+$/, '');
  const components = ((doc.components as Json | undefined)?.schemas ?? {}) as Json;
  const names = new Map(Object.keys(components).map((name) => [name, entityName(name)]));
  const schemas: Entry[] = Object.entries(components).map(([name, source]) => ({
    name: names.get(name),
    source: withNamedRefs(source, names),
  }));
  const actions: Entry[] = [];
  const operations: Entry[] = [];
  const taken = new Set<string>();
  const globalSecurity = Array.isArray(doc.security) && doc.security.length > 0;
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Json)) {
    if (!item || typeof item !== 'object') continue;
    for (const method of methods) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      let name = operationName(
        typeof op.operationId === 'string'
          ? op.operationId
          : [method, ...path.split('/').map((segment) => segment.replace(/[{}]/g, ''))].filter(Boolean).join('.'),
      );
      while (taken.has(name)) name = `${name}_2`.slice(-64);
      taken.add(name);
      const actionName = entityName(name.replaceAll('.', '-'));
      actions.push({
        name: actionName,
        class: 'Fusio.Adapter.Http.Action.HttpProcessor',
        config: { url: `${base}${path}` },
      });
      const operation: Entry = {
        name,
        httpMethod: method.toUpperCase(),
        // Fusio's path syntax: /servers/{id} → /servers/:id
        httpPath: path.replace(/\{([^}]+)\}/g, ':$1'),
        action: actionName,
        active: true,
        public: !(Array.isArray(op.security) ? op.security.length > 0 : globalSecurity),
        stability: 1,
      };
      const summary = typeof op.summary === 'string' ? op.summary : op.description;
      if (typeof summary === 'string') operation.description = summary.slice(0, 255);
      const incoming = jsonSchemaOf((op.requestBody as Json | undefined)?.content);
      if (incoming) operation.incoming = schemaFor(incoming, `${actionName}-request`, names, schemas);
      const responses = (op.responses ?? {}) as Json;
      const success = Object.keys(responses).find((code) => /^2\d\d$/.test(code));
      if (success) {
        operation.httpCode = Number(success);
        const outgoing = jsonSchemaOf((responses[success] as Json | undefined)?.content);
        if (outgoing) operation.outgoing = schemaFor(outgoing, `${actionName}-response`, names, schemas);
      }
      operations.push(operation);
    }
  }
  return {
    file: { version: 1, schemas, actions, operations } as ConfigurationFile,
    operations: operations.length,
  };
}

/** A body's schema: a component by its name, or a new schema named after the operation. */
function schemaFor(schema: unknown, name: string, names: ReadonlyMap<string, string>, schemas: Entry[]): string {
  const ref = (schema as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const component = ref.slice('#/components/schemas/'.length);
    return names.get(component) ?? component;
  }
  schemas.push({ name, source: withNamedRefs(schema, names) });
  return name;
}
