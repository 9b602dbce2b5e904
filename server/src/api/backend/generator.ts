import type { BackendGeneratorProvider } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { buildActionHandler } from '../../actions/build.js';
import { formFromSchema } from '../../actions/form.js';
import { recordCommit } from '../../changes/history.js';
import type { ChangeOrigin } from '../../changes/unit.js';
import { insertWithId } from '../../db/insert.js';
import { Category, type Database, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound, PorticoError } from '../../errors.js';
import { PathSyntaxError, parsePath, usesReservedSegment } from '../../gateway/path.js';
import { checkRoutes, RouteConflictError } from '../../gateway/routing-table.js';
import type { HttpMethod } from '../../gateway/types.js';
import {
  type GeneratorChangelog,
  type GeneratorProvider,
  sqlDatabaseProvider,
  sqlTableProvider,
} from '../../generator/generator.js';
import { response } from '../../plugins/action.js';
import { checkSchemaSource } from '../../schema/json-schema.js';
import { isDeadlock, mapSqlError } from '../../sql/errors.js';
import type { Platform } from '../platform.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

const providers: readonly GeneratorProvider[] = [sqlDatabaseProvider, sqlTableProvider];

function providerOf(raw: string | undefined): GeneratorProvider {
  // Fusio clients send the class with dots; a backslash form is accepted too
  const name = (raw ?? '').replaceAll('\\', '.');
  const provider = providers.find((p) => p.class === name);
  if (!provider) throw notFound('Provider is not available');
  return provider;
}

const ucfirst = (s: string) => (s ? (s[0] as string).toUpperCase() + s.slice(1) : s);
const lcfirst = (s: string) => (s ? (s[0] as string).toLowerCase() + s.slice(1) : s);

/** Fusio's naming: `/my/news` + `SQL_Get` → `My_News_SQL_Get`; operations `my.news.getAll`. */
export function prefixedNames(basePath: string) {
  const segments = basePath.split('/').filter((s) => s !== '');
  for (const segment of segments) {
    if (!/^[A-Za-z0-9_-]+$/.test(segment)) {
      throw badRequest(`Path segment "${segment}" must use only letters, digits, "-" and "_"`);
    }
  }
  const parts = segments.map((s) => s.replaceAll('-', '_'));
  return {
    entity: (name: string) => [...parts.map(ucfirst), ucfirst(name)].join('_'),
    operation: (name: string) => [...parts.map(lcfirst), lcfirst(name)].join('.'),
    path: (httpPath: string) => `/${[...segments, ...httpPath.split('/').filter((s) => s !== '')].join('/')}`,
  };
}

/** Rewrites `$ref`s to schemas of the same run to their prefixed names. */
function withRefs(value: unknown, rename: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => withRefs(v, rename));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && rename.has(v) ? rename.get(v) : withRefs(v, rename);
  }
  return out;
}

const scopeName = /^[a-zA-Z0-9\-_.]{3,64}$/;
const entityName = /^[a-zA-Z0-9\-_]{3,255}$/;
const operationName = /^[a-zA-Z0-9_.]{3,64}$/;

/**
 * Creates everything a provider proposes, all or nothing: every name, schema, action config and route
 * is checked first, then one transaction writes the rows, then the routing table is rebuilt once.
 */
async function execute(
  platform: Platform,
  changelog: GeneratorChangelog,
  request: BackendGeneratorProvider,
  userId: number | null,
  origin: ChangeOrigin,
) {
  const basePath = request.path ?? '';
  if (basePath !== '' && !basePath.startsWith('/')) throw badRequest('Path must start with a /');
  const names = prefixedNames(basePath);
  const scopes = [...new Set(request.scopes ?? [])];
  for (const scope of scopes) if (!scopeName.test(scope)) throw badRequest(`Invalid scope name "${scope}"`);
  const isPublic = request.public === true;

  const schemaNames = new Map(changelog.schemas.map((s) => [s.name, names.entity(s.name)]));
  const actionNames = new Map(changelog.actions.map((a) => [a.name, names.entity(a.name)]));
  const schemas = changelog.schemas.map((s) => ({
    name: schemaNames.get(s.name) as string,
    source: withRefs(s.source, schemaNames) as Record<string, unknown>,
  }));
  const actions = changelog.actions.map((a) => ({ ...a, name: actionNames.get(a.name) as string }));
  const operations = changelog.operations.map((o) => ({
    ...o,
    name: names.operation(o.name),
    httpPath: names.path(o.httpPath),
    incoming: o.incoming ? (schemaNames.get(o.incoming) ?? o.incoming) : undefined,
    outgoing: o.outgoing ? (schemaNames.get(o.outgoing) ?? o.outgoing) : undefined,
    action: actionNames.get(o.action) ?? o.action,
  }));

  for (const s of schemas) if (!entityName.test(s.name)) throw badRequest(`Invalid schema name "${s.name}"`);
  for (const a of actions) if (!entityName.test(a.name)) throw badRequest(`Invalid action name "${a.name}"`);
  for (const o of operations) {
    if (!operationName.test(o.name)) throw badRequest(`Invalid operation name "${o.name}"`);
    if (usesReservedSegment(o.httpPath))
      throw badRequest('HTTP path uses a path segment which is reserved for the system');
    try {
      parsePath(o.httpPath);
    } catch (error) {
      if (error instanceof PathSyntaxError) throw badRequest(error.message);
      throw error;
    }
  }

  const db = platform.db;
  const [existingSchemas, existingActions, existingOperations] = await Promise.all([
    db.selectFrom('schemas').select(['name', 'source']).where('status', '=', Status.active).execute(),
    db.selectFrom('actions').select('name').execute(),
    db
      .selectFrom('operations')
      .select(['name', 'http_method', 'http_path'])
      .where('status', '=', Status.active)
      .execute(),
  ]);
  const taken = [
    ...schemas.filter((s) => existingSchemas.some((e) => e.name === s.name)).map((s) => `schema ${s.name}`),
    ...actions.filter((a) => existingActions.some((e) => e.name === a.name)).map((a) => `action ${a.name}`),
    ...operations.filter((o) => existingOperations.some((e) => e.name === o.name)).map((o) => `operation ${o.name}`),
  ];
  if (taken.length > 0) throw conflict(`Already exists: ${taken.join(', ')}; choose another path`);
  try {
    checkRoutes([
      ...existingOperations.map((o) => ({ name: o.name, method: o.http_method as HttpMethod, path: o.http_path })),
      ...operations.map((o) => ({ name: o.name, method: o.httpMethod, path: o.httpPath })),
    ]);
  } catch (error) {
    if (error instanceof RouteConflictError) throw conflict(error.message);
    throw error;
  }
  const known = [
    ...existingSchemas.map((s) => ({ name: s.name, source: parseJsonColumn(s.source) })),
    ...schemas.map((s) => ({ name: s.name, source: s.source as unknown })),
  ];
  for (const s of schemas) {
    const problem = checkSchemaSource(s.source, known, s.name);
    if (problem) throw badRequest(`Schema ${s.name}: ${problem}`);
  }
  const configs = new Map<string, string>();
  for (const a of actions) {
    const valid = platform.actions.validateConfig(a.class, a.config);
    try {
      await buildActionHandler(
        platform.actions,
        { name: a.name, class: a.class, config: JSON.stringify(valid) },
        { logger: quiet, connections: platform.connections, baseUrl: platform.config.publicUrl },
      );
    } catch (error) {
      if (error instanceof PorticoError) throw error;
      throw badRequest(`Action ${a.name}: ${(error as Error).message}`);
    }
    configs.set(a.name, JSON.stringify(valid));
  }

  const now = Date.now();
  try {
    await write(platform, origin, { schemas, actions, operations, configs, scopes, isPublic, userId, now });
  } catch (error) {
    // another run created the same names in the meantime: this one rolled back completely
    const mapped = mapSqlError(error, platform.dialect);
    if (mapped instanceof PorticoError && mapped.status === 409) {
      throw conflict('Already exists: another run created the same schemas, actions or operations');
    }
    throw mapped;
  }
}

interface Prepared {
  schemas: { name: string; source: Record<string, unknown> }[];
  actions: { name: string; class: string }[];
  operations: (Omit<GeneratorChangelog['operations'][number], 'incoming' | 'outgoing'> & {
    incoming: string | undefined;
    outgoing: string | undefined;
  })[];
  configs: Map<string, string>;
  scopes: string[];
  isPublic: boolean;
  userId: number | null;
  now: number;
}

/**
 * One unit: the rows of every schema, action (with its first commit), operation and scope link, and the
 * audit row of the call, commit together; the gateway is rebuilt once, after the commit.
 */
async function write(platform: Platform, origin: ChangeOrigin, run: Prepared): Promise<void> {
  const { schemas, actions, operations, configs, scopes, isPublic, userId, now } = run;
  await platform.changes.write(origin, async (unit) => {
    const trx = unit.db;
    unit.touched('schema', 'action', 'operation', 'scope');
    for (const s of schemas) {
      const source = JSON.stringify(s.source);
      const id = await insertWithId(
        trx.insertInto('schemas').values({
          category_id: Category.default,
          status: Status.active,
          name: s.name,
          source,
          form: null,
          metadata: null,
          updated_at: now,
        }),
        platform.dialect,
      );
      await recordCommit(trx, 'schema', id, userId, source);
    }
    for (const a of actions) {
      const config = configs.get(a.name) as string;
      const id = await insertWithId(
        trx.insertInto('actions').values({
          category_id: Category.default,
          status: Status.active,
          name: a.name,
          class: a.class,
          async: 0,
          config,
          metadata: null,
          updated_at: now,
        }),
        platform.dialect,
      );
      await recordCommit(trx, 'action', id, userId, config, a.class);
    }
    const scopeIds = await scopeIdsFor(trx, platform, scopes);
    for (const o of operations) {
      const id = await insertWithId(
        trx.insertInto('operations').values({
          category_id: Category.default,
          status: Status.active,
          active: 1,
          public: isPublic ? 1 : 0,
          // generated operations start as experimental, as in Fusio
          stability: 1,
          description: o.description,
          http_method: o.httpMethod,
          http_path: o.httpPath,
          http_code: o.httpCode,
          name: o.name,
          parameters: null,
          incoming: o.incoming ?? null,
          outgoing: o.outgoing ?? null,
          throws: null,
          action: o.action,
          costs: null,
          metadata: null,
          updated_at: now,
        }),
        platform.dialect,
      );
      for (const scopeId of scopeIds) {
        await trx.insertInto('scope_operations').values({ scope_id: scopeId, operation_id: id, allow: 1 }).execute();
      }
    }
  });
}

/** Scopes by name; missing ones are created, as Fusio does for operations. */
async function scopeIdsFor(trx: Kysely<Database>, platform: Platform, names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const found = await trx.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst();
    ids.push(
      found
        ? found.id
        : await insertWithId(
            trx
              .insertInto('scopes')
              .values({ name, description: '', category_id: Category.default, status: Status.active, metadata: null }),
            platform.dialect,
          ),
    );
  }
  return ids;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function configOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export const generatorOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.generator.getClasses',
    method: 'GET',
    path: '/backend/generator',
    description: 'Returns all available generator classes',
    handler() {
      return {
        providers: [...providers]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((p) => ({ name: p.name, class: p.class })),
      };
    },
  }),
  systemOperation({
    name: 'backend.generator.getForm',
    method: 'GET',
    path: '/backend/generator/:provider',
    description: 'Returns the generator config form',
    async handler({ platform, request }) {
      const provider = providerOf(request.params.provider);
      const connections = await platform.db
        .selectFrom('connections')
        .select(['name', 'class'])
        .where('status', '=', Status.active)
        .orderBy('name')
        .execute();
      return formFromSchema(provider.config, { connections });
    },
  }),
  systemOperation({
    name: 'backend.generator.getChangelog',
    method: 'PUT',
    path: '/backend/generator/:provider',
    incoming: { type: 'object' },
    description: 'Returns the schemas, actions and operations the provider would create',
    async handler({ platform, request }) {
      const provider = providerOf(request.params.provider);
      return provider.setup(configOf(request.body), platform);
    },
  }),
  systemOperation({
    name: 'backend.generator.executeProvider',
    method: 'POST',
    path: '/backend/generator/:provider',
    httpCode: 201,
    incoming: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
        public: { type: 'boolean' },
        config: { type: 'object' },
      },
    },
    description: 'Creates the schemas, actions and operations of the provider',
    async handler(call) {
      const { platform, request, caller } = call;
      const provider = providerOf(request.params.provider);
      const body = (request.body ?? {}) as BackendGeneratorProvider;
      const changelog = await provider.setup(configOf(body.config), platform);
      for (let attempt = 1; ; attempt++) {
        try {
          await execute(platform, changelog, body, caller.user?.id ?? null, call);
          break;
        } catch (error) {
          // a simultaneous run deadlocked with this one (MariaDB): run again, the checks now see its result
          if (attempt >= 3 || !isDeadlock(error)) throw error;
        }
      }
      return response(201, { success: true, message: 'Provider successfully executed' });
    },
  }),
];
