import { platformCategoryIds, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { stabilityNames } from '../../gateway/types.js';
import { isPassthrough, pinOf, schemaNameOf } from '../../schema/names.js';
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

/**
 * The schema versions a document shows: a release's tagged commits (`version`), and the commits stable
 * operations are pinned to, each by `name@hash`.
 */
async function schemaVersions(
  db: Platform['db'],
  version: string | undefined,
  pinned: Set<string>,
): Promise<{ tagged: Map<string, string>; sources: Map<string, string> }> {
  const [tags, pins] = await Promise.all([
    version === undefined
      ? []
      : db
          .selectFrom('schema_tags')
          .innerJoin('schema_commits', 'schema_commits.id', 'schema_tags.commit_id')
          .innerJoin('schemas', 'schemas.id', 'schema_commits.schema_id')
          .select(['schemas.name', 'schema_commits.commit_hash', 'schema_commits.source'])
          .where('schema_tags.version', '=', version)
          .execute(),
    pinned.size === 0
      ? []
      : db
          .selectFrom('schema_commits')
          .innerJoin('schemas', 'schemas.id', 'schema_commits.schema_id')
          .select(['schemas.name', 'schema_commits.commit_hash', 'schema_commits.source'])
          .where('schema_commits.commit_hash', 'in', [...pinned])
          .execute(),
  ]);
  const sources = new Map<string, string>();
  for (const row of [...tags, ...pins]) sources.set(`${row.name}@${row.commit_hash}`, row.source);
  return { tagged: new Map(tags.map((t) => [t.name, t.commit_hash])), sources };
}

/** Which operations a document describes, and of which release. */
export interface OpenApiOptions {
  /**
   * Only the operations this says yes to (by id), and only the schemas, scopes and operation names they
   * reach: a document for a caller never names what the caller cannot see. Absent: every active operation.
   */
  readonly visible?: (operationId: number) => boolean;
  /** The release to describe (x.y.z): each schema as that release tagged it. Absent: as served now. */
  readonly release?: string;
}

/**
 * An OpenAPI 3.1 document of the API's own operations (not the platform's backend): as they are served
 * now, or as a release serves them.
 */
export async function buildOpenApi(platform: Platform, options: OpenApiOptions = {}): Promise<Json> {
  const { db, settings, config } = platform;
  const visible = options.visible;
  const version = options.release;
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
  const pinned = new Set<string>();
  for (const op of operations) {
    const throws = Object.values(parseJsonColumn<Record<string, string>>(op.throws) ?? {});
    for (const reference of [op.incoming, op.outgoing, ...throws]) {
      const hash = pinOf(reference);
      if (hash !== null) pinned.add(hash);
    }
  }
  const { tagged, sources } = await schemaVersions(db, version, pinned);
  const schemaNames = new Set(schemas.map((s) => s.name));
  const current = new Map(schemas.map((s) => [s.name, s.source]));
  // in a release's document each schema is as the release tagged it
  for (const [name, hash] of tagged) current.set(name, sources.get(`${name}@${hash}`) ?? current.get(name) ?? '{}');
  const componentSchemas: Json = {};
  for (const [name, source] of current)
    componentSchemas[name] = rewriteRefs(parseJsonColumn(source) ?? {}, schemaNames);
  const ref = (name: string | null): Json => {
    if (!name || isPassthrough(name)) return {};
    const schemaName = schemaNameOf(name);
    if (!schemaNames.has(schemaName)) return {};
    // a stable operation pinned to an older commit shows that commit, beside the current one
    const hash = tagged.has(schemaName) ? null : pinOf(name);
    const source = hash === null ? undefined : sources.get(`${schemaName}@${hash}`);
    if (hash === null || source === undefined || source === current.get(schemaName)) {
      return { $ref: `#/components/schemas/${schemaName}` };
    }
    const key = `${schemaName}.${hash.slice(0, 8)}`;
    componentSchemas[key] ??= rewriteRefs(parseJsonColumn(source) ?? {}, schemaNames);
    return { $ref: `#/components/schemas/${key}` };
  };
  const scopesOf = new Map<number, string[]>();
  for (const l of links) scopesOf.set(l.operation_id, [...(scopesOf.get(l.operation_id) ?? []), l.name]);

  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  let errorUsed = false;
  const operationsOfScope = new Map<string, string[]>();
  for (const op of visible ? operations.filter((o) => visible(o.id)) : operations) {
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
  if (version !== undefined) info.version = version;
  const base = config.publicUrl;
  // what each scope grants: its description, else the operations it opens
  const scopeDescriptions = Object.fromEntries(
    scopes
      .filter((scope) => !visible || operationsOfScope.has(scope.name))
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
      schemas: visible ? reachableSchemas(paths, componentSchemas) : componentSchemas,
      responses: errorUsed ? { Error: errorResponse } : {},
      securitySchemes: securitySchemes(base, scopeDescriptions),
    },
  };
}

/** The component schemas the paths refer to, directly or through other schemas. */
function reachableSchemas(paths: Json, schemas: Json): Json {
  const prefix = '#/components/schemas/';
  const reached = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value as Json)) {
        if (key === '$ref' && typeof v === 'string' && v.startsWith(prefix)) {
          const name = v.slice(prefix.length);
          if (!reached.has(name) && name in schemas) {
            reached.add(name);
            visit(schemas[name]);
          }
        } else visit(v);
      }
    }
  };
  visit(paths);
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
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
