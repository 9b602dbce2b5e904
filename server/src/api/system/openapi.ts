import { platformCategoryIds, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { stabilityNames } from '../../gateway/types.js';
import { isPassthrough, schemaNameOf } from '../../schema/names.js';
import { portico } from '../../version.js';
import type { Platform } from '../platform.js';

export type Json = Record<string, unknown>;

/** `/todo/:id/$part<[a-z]+>/*rest` → `/todo/{id}/{part}/{rest}`, with the constraints as parameters. */
export function openApiPath(path: string): { path: string; parameters: Json[] } {
  const parameters: Json[] = [];
  const segments = path.split('/').map((segment) => {
    if (segment.startsWith(':')) {
      const name = segment.slice(1);
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
      return `{${name}}`;
    }
    const regex = /^\$([^<]+)<(.+)>$/.exec(segment);
    if (regex) {
      const [, name, pattern] = regex as unknown as [string, string, string];
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string', pattern: `^(?:${pattern})$` } });
      return `{${name}}`;
    }
    if (segment.startsWith('*')) {
      const name = segment.slice(1) || 'path';
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'rest of the path',
      });
      return `{${name}}`;
    }
    return segment;
  });
  return { path: segments.join('/') || '/', parameters };
}

/** A one-line summary: the description's first sentence, else what the operation does by method and path. */
export function summaryOf(description: string | null, method: string, path: string): string {
  const first =
    (description ?? '')
      .split(/\n|(?<=\.)\s/)[0]
      ?.trim()
      .replace(/\.$/, '') ?? '';
  if (first !== '') return first.length > 120 ? `${first.slice(0, 117)}...` : first;
  return `${method} ${path}`;
}

/** The tag of an operation: the first literal segment of its path (`/todo/:id` → `todo`). */
function tagOf(path: string): string {
  const first = path.split('/').find((segment) => segment !== '' && !/^[:$*]/.test(segment));
  return first ?? 'default';
}

/** Points `{"$ref": "Name"}` at `#/components/schemas/Name`. */
function rewriteRefs(value: unknown, names: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, names));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) {
    out[key] =
      key === '$ref' && typeof v === 'string' && names.has(v) ? `#/components/schemas/${v}` : rewriteRefs(v, names);
  }
  return out;
}

/** An OpenAPI 3.1 document of the API's own operations (not the platform's backend). */
export async function buildOpenApi(platform: Platform): Promise<Json> {
  const { db, settings, config } = platform;
  const [operations, links, schemas, scopes] = await Promise.all([
    db
      .selectFrom('operations')
      .selectAll()
      .where('category_id', 'not in', [...platformCategoryIds])
      .where('status', '=', Status.active)
      .where('active', '=', 1)
      .orderBy('http_path')
      .execute(),
    db
      .selectFrom('scope_operations')
      .innerJoin('scopes', 'scopes.id', 'scope_operations.scope_id')
      .select(['scope_operations.operation_id', 'scopes.name'])
      .where('scope_operations.allow', '=', 1)
      .execute(),
    db.selectFrom('schemas').select(['name', 'source']).where('status', '=', Status.active).execute(),
    db
      .selectFrom('scopes')
      .select(['name', 'description'])
      .where('category_id', 'not in', [...platformCategoryIds])
      .execute(),
  ]);
  const schemaNames = new Set(schemas.map((s) => s.name));
  const componentSchemas: Json = {};
  for (const s of schemas) componentSchemas[s.name] = rewriteRefs(parseJsonColumn(s.source) ?? {}, schemaNames);
  const ref = (name: string | null): Json => {
    if (!name || isPassthrough(name)) return {};
    const schemaName = schemaNameOf(name);
    return schemaNames.has(schemaName) ? { $ref: `#/components/schemas/${schemaName}` } : {};
  };
  const scopesOf = new Map<number, string[]>();
  for (const l of links) scopesOf.set(l.operation_id, [...(scopesOf.get(l.operation_id) ?? []), l.name]);

  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  let errorUsed = false;
  const operationsOfScope = new Map<string, string[]>();
  for (const op of operations) {
    for (const scope of scopesOf.get(op.id) ?? []) {
      operationsOfScope.set(scope, [...(operationsOfScope.get(scope) ?? []), op.name]);
    }
    const { path, parameters } = openApiPath(op.http_path);
    const query = parseJsonColumn<Record<string, { type?: string; description?: string; format?: string }>>(
      op.parameters,
    );
    for (const [name, schema] of Object.entries(query ?? {})) {
      const param: Json = { name, in: 'query', required: false, schema: { type: schema.type ?? 'string' } };
      if (schema.format) (param.schema as Json).format = schema.format;
      if (schema.description) param.description = schema.description;
      parameters.push(param);
    }
    const responses: Json = {
      [String(op.http_code)]: { description: 'Success', content: { 'application/json': { schema: ref(op.outgoing) } } },
    };
    for (const [code, schema] of Object.entries(parseJsonColumn<Record<string, string>>(op.throws) ?? {})) {
      responses[code === '999' ? 'default' : code] = {
        description: 'Error',
        content: { 'application/json': { schema: ref(schema) } },
      };
    }
    if (!Object.keys(responses).some((code) => code.startsWith('4'))) {
      responses['4XX'] = { $ref: '#/components/responses/Error' };
      errorUsed = true;
    }
    const tag = tagOf(op.http_path);
    tags.add(tag);
    const operation: Json = {
      operationId: op.name,
      summary: summaryOf(op.description, op.http_method, path),
      ...(op.description ? { description: op.description } : {}),
      tags: [tag],
      ...(parameters.length ? { parameters } : {}),
      responses,
      'x-stability': stabilityNames[op.stability] ?? 'experimental',
    };
    if (op.stability === 0) operation.deprecated = true;
    if (['POST', 'PUT', 'PATCH'].includes(op.http_method) && op.incoming) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: ref(op.incoming) } } };
    }
    // public: explicitly no security; protected: an OAuth2 token with one of its scopes (or any bearer token of the API)
    operation.security = op.public === 1 ? [] : [{ oauth2: scopesOf.get(op.id) ?? [] }, { bearer: [] }];
    const methods = paths[path] ?? {};
    methods[op.http_method.toLowerCase()] = operation;
    paths[path] = methods;
  }
  const info = infoOf(settings);
  const base = config.publicUrl;
  // what each scope grants: its description, else the operations it opens
  const scopeDescriptions = Object.fromEntries(
    scopes
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((scope) => {
        const granted = operationsOfScope.get(scope.name) ?? [];
        const fallback = granted.length > 0 ? `Calls ${granted.join(', ')}` : `The ${scope.name} scope`;
        return [scope.name, scope.description || fallback];
      }),
  );
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: base }],
    tags: [...tags]
      .sort()
      .map((name) => ({ name, description: `Operations under /${name === 'default' ? '' : name}` })),
    paths,
    components: {
      schemas: componentSchemas,
      responses: errorUsed ? { Error: errorResponse } : {},
      securitySchemes: securitySchemes(base, scopeDescriptions),
    },
  };
}

/** The document's `info`: title, contact, terms and license from the installation's settings. */
export function infoOf(settings: Platform['settings'], suffix = ''): Json {
  const contact: Json = {};
  if (settings.string('info_contact_name')) contact.name = settings.string('info_contact_name');
  if (settings.string('info_contact_url')) contact.url = settings.string('info_contact_url');
  if (settings.string('info_contact_email')) contact.email = settings.string('info_contact_email');
  const info: Json = {
    title: `${settings.string('info_title')}${suffix}`,
    description: settings.string('info_description'),
    version: portico.version,
  };
  if (settings.string('info_tos')) info.termsOfService = settings.string('info_tos');
  if (Object.keys(contact).length) info.contact = contact;
  if (settings.string('info_license_name')) {
    info.license = {
      name: settings.string('info_license_name'),
      url: settings.string('info_license_url') || undefined,
    };
  }
  return info;
}

/** Fusio's error body, which every operation answers a refused request with. */
export const errorResponse: Json = {
  description: 'The request was refused: the message says why (X-Request-Id identifies the call)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          success: { type: 'boolean', const: false },
          title: { type: 'string', description: 'the HTTP reason phrase' },
          message: { type: 'string' },
        },
        required: ['success', 'title', 'message'],
      },
    },
  },
};

/**
 * How to get a token: OAuth2 (authorization code with PKCE, client credentials, refresh) and plain bearer
 * tokens. `x-usePkce: true` is the boolean form Redocly types; Scalar's console reads a string there
 * ("SHA-256") and falls back to asking, so a portal embedding Scalar sets PKCE in its own configuration.
 */
export function securitySchemes(base: string, scopes: Record<string, string>, description = ''): Json {
  return {
    oauth2: {
      type: 'oauth2',
      description:
        'OAuth 2.0. An app calling for itself uses client credentials (app key and secret with HTTP Basic at the token URL); ' +
        'as in Fusio, a user name and password work there too in place of the app key and secret. ' +
        'An app acting for a user uses the authorization code flow with PKCE (S256 required); public clients send client_id instead of a secret. ' +
        'Refresh tokens rotate: each works once. The password grant (grant_type=password) is not offered.' +
        description,
      flows: {
        authorizationCode: {
          authorizationUrl: `${base}/authorization/authorize`,
          tokenUrl: `${base}/authorization/token`,
          refreshUrl: `${base}/authorization/token`,
          scopes,
          'x-usePkce': true,
        },
        clientCredentials: {
          tokenUrl: `${base}/authorization/token`,
          refreshUrl: `${base}/authorization/token`,
          scopes,
        },
      },
    },
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from the token URL, or a personal access token made in the developer portal',
    },
  };
}
