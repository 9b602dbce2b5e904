import { portico } from '../../version.js';
import type { Platform } from '../platform.js';
import { categoryOf, type SystemOperation, scopeOf, systemOperation } from '../system-operation.js';
import { errorResponse, infoOf, type Json, openApiPath, securitySchemes, summaryOf } from './openapi.js';

/** The platform's own APIs that get an OpenAPI document of their own, and what each is for. */
export const platformApis = {
  consumer: 'The consumer API: developer accounts, apps, tokens, plans, webhooks, usage and the portal pages',
  authorization: 'The authorization API: the OAuth2 token, authorization, revocation and introspection endpoints',
  system: 'The system API: health, discovery, routes, schemas and the OpenAPI documents themselves',
  backend: 'The backend API: managing operations, actions, schemas, apps, users, plans and everything else',
} as const;

export type PlatformApi = keyof typeof platformApis;

/** Where the document of one of the platform's APIs is served. */
export function platformOpenApiPath(api: PlatformApi): string {
  return `/system/openapi/${api}`;
}

const howToLogIn: Record<PlatformApi, string> = {
  consumer:
    ' A developer of the portal logs in with POST /consumer/login (name and password, JSON) and gets a bearer token for the consumer API.',
  authorization: '',
  system: '',
  backend: ' An administrator logs in with client credentials: the user name and password as HTTP Basic.',
};

/** `consumer.app.getAll` → `app`: operations of one entity share a tag. */
function tagOf(name: string): string {
  return name.split('.')[1] ?? categoryOf(name);
}

/** A scope and the one above it (`consumer.app` → `consumer`): a token with either may call. */
function scopeChain(scope: string): string[] {
  const dot = scope.indexOf('.');
  return dot > 0 ? [scope, scope.slice(0, dot)] : [scope];
}

/**
 * An OpenAPI 3.1 document of one of the platform's own APIs, built from the same operation definitions
 * the gateway serves (only those live in the routing table: the seed may leave one out).
 */
export async function buildPlatformOpenApi(
  platform: Platform,
  api: PlatformApi,
  definitions: readonly SystemOperation[],
): Promise<Json> {
  const base = platform.config.publicUrl;
  const live = platform.gateway.table;
  const operations = definitions
    .filter((op) => categoryOf(op.name) === api && live.operation(op.name) !== undefined)
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));

  const paths: Record<string, Json> = {};
  const tags = new Set<string>();
  const wanted = new Set<string>();
  for (const op of operations) {
    const { path, parameters } = openApiPath(op.path);
    const scope = scopeOf(op);
    const chain = scope ? scopeChain(scope) : [];
    for (const s of chain) wanted.add(s);
    const tag = tagOf(op.name);
    tags.add(tag);
    const operation: Json = {
      operationId: op.name,
      summary: summaryOf(op.description ?? null, op.method, path),
      ...(op.description ? { description: op.description } : {}),
      tags: [tag],
      ...(parameters.length ? { parameters } : {}),
      ...(op.incoming
        ? { requestBody: { required: true, content: { 'application/json': { schema: op.incoming } } } }
        : {}),
      responses: {
        [String(op.httpCode ?? 200)]: { description: 'Success' },
        '4XX': { $ref: '#/components/responses/Error' },
      },
      security: op.public ? [] : [...chain.map((s) => ({ oauth2: [s] })), { bearer: [] }],
    };
    const methods = paths[path] ?? {};
    methods[op.method.toLowerCase()] = operation;
    paths[path] = methods;
  }

  const described = await platform.db
    .selectFrom('scopes')
    .select(['name', 'description'])
    .where('name', 'in', wanted.size ? [...wanted] : [''])
    .execute();
  const descriptionOf = new Map(described.map((s) => [s.name, s.description]));
  const scopes = Object.fromEntries(
    [...wanted].sort().map((name) => [name, descriptionOf.get(name) || `The ${name} scope`]),
  );
  const info = infoOf(platform.settings, ` (${api} API)`);
  info.description = platformApis[api];
  info.version = portico.version;
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: base }],
    tags: [...tags].sort().map((name) => ({ name, description: `The ${api} API's ${name} operations` })),
    paths,
    components: {
      responses: { Error: errorResponse },
      securitySchemes: securitySchemes(base, scopes, howToLogIn[api]),
    },
  };
}

/**
 * `GET /system/openapi/{api}`: the documents of the platform's own APIs. `definitions` is read at call
 * time, so the list that includes this operation can hand itself in.
 */
export function platformOpenApiOperations(definitions: () => readonly SystemOperation[]): SystemOperation[] {
  return [
    systemOperation({
      name: 'system.meta.getPlatformOpenAPI',
      method: 'GET',
      path: `/system/openapi/$api<${Object.keys(platformApis).join('|')}>`,
      public: true,
      description:
        'OpenAPI 3.1 document of one of the APIs Portico itself serves: consumer, authorization, system or backend',
      handler: ({ platform, request }) =>
        buildPlatformOpenApi(platform, (request.params.api ?? 'system') as PlatformApi, definitions()),
    }),
  ];
}
