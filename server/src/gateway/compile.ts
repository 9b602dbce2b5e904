import type { Kysely } from 'kysely';
import { actionNameOf, buildActionHandler } from '../actions/build.js';
import type { ActionRegistry } from '../actions/registry.js';
import type { ActionRow, Database, OperationRow } from '../db/schema.js';
import { Category, isUserCategory, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { serviceUnavailable } from '../errors.js';
import type { ActionEnv, ActionHandler, JsonSchema } from '../plugins/action.js';
import { newAjv, SchemaCompiler } from '../schema/json-schema.js';
import { isPassthrough, pinOf, schemaNameOf } from '../schema/names.js';
import { type ContextDeps, invokeAction } from './invoke.js';
import {
  type BodyRule,
  type CompiledOperation,
  type Exchange,
  type HttpMethod,
  isDeprecated,
  type QueryParameterRule,
  stabilityNames,
} from './types.js';

/** The platform's own operations (backend, consumer, authorization, system) are code, found by name. */
export interface SystemHandlerLookup {
  handler(name: string): ((exchange: Exchange) => unknown) | undefined;
  incoming(name: string): JsonSchema | undefined;
  /** what of a request body the audit log keeps (secrets masked), when the operation says */
  auditBody(name: string): ((body: unknown) => unknown) | undefined;
}

/** An action as one of its commits held it: what a pinned or released operation runs. */
export interface ActionCommit {
  class: string;
  config: string;
}

/** What each release (`Api-Version: x.y.z`) tagged: the commit of each action and schema, by name. */
export interface Release {
  actions: Map<string, string>;
  schemas: Map<string, string>;
}

export interface ConfigSnapshot {
  operations: OperationRow[];
  scopesByOperation: Map<number, string[]>;
  actions: Map<string, ActionRow>;
  schemas: { name: string; source: string; updated_at: number }[];
  /** the commits pinned or released operations serve, by `name@hash` */
  actionCommits?: Map<string, ActionCommit>;
  schemaCommits?: Map<string, string>;
  releases?: Map<string, Release>;
}

export async function loadSnapshot(db: Kysely<Database>): Promise<ConfigSnapshot> {
  const [operations, links, actions, schemas] = await Promise.all([
    db.selectFrom('operations').selectAll().where('status', '=', Status.active).execute(),
    db
      .selectFrom('scope_operations')
      .innerJoin('scopes', 'scopes.id', 'scope_operations.scope_id')
      .select(['scope_operations.operation_id', 'scopes.name'])
      .where('scope_operations.allow', '=', 1)
      .execute(),
    db.selectFrom('actions').selectAll().where('status', '=', Status.active).execute(),
    db.selectFrom('schemas').select(['name', 'source', 'updated_at']).where('status', '=', Status.active).execute(),
  ]);
  const scopesByOperation = new Map<number, string[]>();
  for (const link of links) {
    const list = scopesByOperation.get(link.operation_id);
    if (list) list.push(link.name);
    else scopesByOperation.set(link.operation_id, [link.name]);
  }
  return {
    operations,
    scopesByOperation,
    actions: new Map(actions.map((a) => [a.name, a])),
    schemas,
    ...(await loadVersions(db, operations)),
  };
}

/** The commits that pinned operations name and the releases' tags, with the commits they tag. */
async function loadVersions(
  db: Kysely<Database>,
  operations: OperationRow[],
): Promise<Required<Pick<ConfigSnapshot, 'actionCommits' | 'schemaCommits' | 'releases'>>> {
  const actionHashes = new Set<string>();
  const schemaHashes = new Set<string>();
  for (const op of operations) {
    if (!isUserCategory(op.category_id)) continue;
    const action = pinOf(op.action);
    if (action !== null) actionHashes.add(action);
    for (const reference of [op.incoming, op.outgoing]) {
      const schema = pinOf(reference);
      if (schema !== null) schemaHashes.add(schema);
    }
  }
  const actionColumns = [
    'actions.name',
    'actions.class as current',
    'action_commits.class',
    'action_commits.config',
    'action_commits.commit_hash',
  ] as const;
  const schemaColumns = ['schemas.name', 'schema_commits.source', 'schema_commits.commit_hash'] as const;
  const [pinnedActions, pinnedSchemas, taggedActions, taggedSchemas] = await Promise.all([
    actionHashes.size === 0
      ? []
      : db
          .selectFrom('action_commits')
          .innerJoin('actions', 'actions.id', 'action_commits.action_id')
          .select(actionColumns)
          .where('action_commits.commit_hash', 'in', [...actionHashes])
          .execute(),
    schemaHashes.size === 0
      ? []
      : db
          .selectFrom('schema_commits')
          .innerJoin('schemas', 'schemas.id', 'schema_commits.schema_id')
          .select(schemaColumns)
          .where('schema_commits.commit_hash', 'in', [...schemaHashes])
          .execute(),
    db
      .selectFrom('action_tags')
      .innerJoin('action_commits', 'action_commits.id', 'action_tags.commit_id')
      .innerJoin('actions', 'actions.id', 'action_commits.action_id')
      .select([...actionColumns, 'action_tags.version'])
      .where('actions.status', '=', Status.active)
      .execute(),
    db
      .selectFrom('schema_tags')
      .innerJoin('schema_commits', 'schema_commits.id', 'schema_tags.commit_id')
      .innerJoin('schemas', 'schemas.id', 'schema_commits.schema_id')
      .select([...schemaColumns, 'schema_tags.version'])
      .where('schemas.status', '=', Status.active)
      .execute(),
  ]);
  const actionCommits = new Map<string, ActionCommit>();
  const schemaCommits = new Map<string, string>();
  const releases = new Map<string, Release>();
  const release = (version: string) => {
    const found = releases.get(version) ?? { actions: new Map(), schemas: new Map() };
    releases.set(version, found);
    return found;
  };
  for (const row of [...pinnedActions, ...taggedActions]) {
    actionCommits.set(`${row.name}@${row.commit_hash}`, { class: row.class ?? row.current, config: row.config });
  }
  for (const row of [...pinnedSchemas, ...taggedSchemas])
    schemaCommits.set(`${row.name}@${row.commit_hash}`, row.source);
  for (const row of taggedActions) release(row.version).actions.set(row.name, row.commit_hash);
  for (const row of taggedSchemas) release(row.version).schemas.set(row.name, row.commit_hash);
  return { actionCommits, schemaCommits, releases };
}

/** `backend.action` is granted by `backend.action` and by its parent `backend`. */
export function expandAllowedScopes(scopes: readonly string[]): Set<string> {
  const allowed = new Set<string>();
  for (const scope of scopes) {
    allowed.add(scope);
    const dot = scope.indexOf('.');
    if (dot > 0) allowed.add(scope.slice(0, dot));
  }
  return allowed;
}

/** The pre-rendered headers that tell callers of a deprecated operation where they stand (RFC 9745, RFC 8594). */
function lifecycleHeaders(row: OperationRow): string[] {
  const metadata = parseJsonColumn<Record<string, unknown>>(row.metadata) ?? {};
  const dateOf = (value: unknown): number | null => {
    if (typeof value !== 'string' && typeof value !== 'number') return null;
    const time = new Date(value).getTime();
    return Number.isFinite(time) ? time : null;
  };
  const headers: string[] = [];
  if (isDeprecated(row.stability)) {
    const since = dateOf(metadata.deprecation) ?? row.deprecated_at ?? row.updated_at;
    headers.push('deprecation', `@${Math.floor(since / 1000)}`);
  }
  const sunset = dateOf(metadata.sunset);
  if (sunset !== null) headers.push('sunset', new Date(sunset).toUTCString());
  return headers;
}

interface CachedAction {
  /** the action row's updated_at and its class's registry generation */
  key: string;
  handler: Promise<ActionHandler>;
}

export interface CompilerDeps {
  actions: ActionRegistry;
  system: SystemHandlerLookup;
  actionEnv: ActionEnv;
  /** how a user action's handler is called; the gateway supplies context (user, app, connections) */
  contextFor: ContextDeps;
}

/**
 * Turns the stored configuration into compiled operations. Keeps built action handlers and schema
 * validators between generations, so a change rebuilds only what it touched.
 */
export class OperationCompiler {
  private readonly schemas = new SchemaCompiler();
  private readonly systemAjv = newAjv({ verbose: true });
  private readonly systemBodies = new Map<string, BodyRule>();
  private readonly actionCache = new Map<number, CachedAction>();
  /** compiled operations by id, reused while their row, scopes, action and schemas are unchanged */
  private readonly operationCache = new Map<
    number,
    { key: string; operation: CompiledOperation; commits: ReadonlySet<string> }
  >();
  /** handlers of the commits pinned and released operations serve; a commit never changes */
  private readonly commitCache = new Map<string, CachedAction>();

  constructor(private readonly deps: CompilerDeps) {}

  async compile(snapshot: ConfigSnapshot): Promise<CompiledOperation[]> {
    const schemaGeneration = snapshot.schemas.map((s) => `${s.name}@${s.updated_at}`).join('|');
    this.schemas.load(
      schemaGeneration,
      snapshot.schemas.map((s) => ({ name: s.name, source: parseJsonColumn(s.source) ?? {} })),
    );
    const seenActions = new Set<number>();
    const seenOperations = new Set<number>();
    const seenCommits = new Set<string>();
    const releaseGeneration = releaseKey(snapshot);
    const compiled: CompiledOperation[] = [];
    for (const row of snapshot.operations) {
      seenOperations.add(row.id);
      const key = this.operationKey(row, snapshot, schemaGeneration, releaseGeneration, seenActions);
      const cached = this.operationCache.get(row.id);
      if (cached && cached.key === key) {
        for (const commit of cached.commits) seenCommits.add(commit);
        compiled.push(cached.operation);
        continue;
      }
      const commits = new Set<string>();
      const operation = await this.compileOne(row, snapshot, seenActions, commits);
      for (const commit of commits) seenCommits.add(commit);
      // one that could not be built is tried again next time (its action may be repaired)
      if (!isBroken(operation)) this.operationCache.set(row.id, { key, operation, commits });
      else this.operationCache.delete(row.id);
      compiled.push(operation);
    }
    for (const id of this.actionCache.keys()) if (!seenActions.has(id)) this.actionCache.delete(id);
    for (const id of this.operationCache.keys()) if (!seenOperations.has(id)) this.operationCache.delete(id);
    for (const key of this.commitCache.keys()) if (!seenCommits.has(key)) this.commitCache.delete(key);
    return compiled;
  }

  /** Everything a compiled operation is made of: its row, its scopes, its action's version, the schemas. */
  private operationKey(
    row: OperationRow,
    snapshot: ConfigSnapshot,
    schemaGeneration: string,
    releaseGeneration: string,
    seenActions: Set<number>,
  ): string {
    const scopes = snapshot.scopesByOperation.get(row.id)?.join(',') ?? '';
    if (row.action.startsWith('system://')) return `${row.updated_at}|${scopes}`;
    const action = snapshot.actions.get(actionNameOf(row.action));
    if (action) seenActions.add(action.id);
    const actionKey = action ? `${action.id}:${action.updated_at}:${this.deps.actions.generation(action.class)}` : '-';
    return `${row.updated_at}|${scopes}|${actionKey}|${isPassthrough(row.incoming) ? '' : schemaGeneration}|${releaseGeneration}`;
  }

  private async compileOne(
    row: OperationRow,
    snapshot: ConfigSnapshot,
    seenActions: Set<number>,
    seenCommits: Set<string>,
  ): Promise<CompiledOperation> {
    const common = {
      id: row.id,
      name: row.name,
      categoryId: row.category_id,
      method: row.http_method as HttpMethod,
      path: row.http_path,
      public: row.public === 1,
      active: row.active === 1,
      stability: row.stability,
      httpCode: row.http_code,
      headers: Object.freeze([
        'x-content-type-options',
        'nosniff',
        'x-operation-id',
        row.name,
        'x-stability',
        stabilityNames[row.stability] ?? 'experimental',
        ...lifecycleHeaders(row),
      ]),
      costs: row.costs ?? 0,
      allowedScopes: expandAllowedScopes(snapshot.scopesByOperation.get(row.id) ?? []),
      queryParameters: queryRules(row.parameters),
    };
    if (row.action.startsWith('system://')) {
      const key = row.action.slice('system://'.length);
      const handler = this.deps.system.handler(key);
      return {
        ...common,
        body: this.systemBody(key),
        logBody: false,
        audited: row.category_id === Category.backend && row.http_method !== 'GET',
        auditBody: this.deps.system.auditBody(key),
        run: handler ?? unavailable(`Operation ${row.name} has no handler in this version of Portico`),
        versions: null,
      };
    }
    const served = await this.served(row, row.action, row.incoming, snapshot, seenActions, seenCommits);
    const operation: CompiledOperation = { ...common, ...served, logBody: true, audited: false, versions: null };
    // Api-Version: x.y.z selects the action and schema a release tagged, where it tagged them
    const versions = new Map<string, CompiledOperation>();
    for (const [version, release] of snapshot.releases ?? []) {
      const action = release.actions.get(actionNameOf(row.action));
      const incoming = isPassthrough(row.incoming)
        ? undefined
        : release.schemas.get(schemaNameOf(row.incoming as string));
      if (action === undefined && incoming === undefined) continue;
      const actionRef = action === undefined ? row.action : `action://${actionNameOf(row.action)}@${action}`;
      const incomingRef =
        incoming === undefined ? row.incoming : `schema://${schemaNameOf(row.incoming as string)}@${incoming}`;
      if (actionRef === row.action && incomingRef === row.incoming) continue;
      const variant = await this.served(row, actionRef, incomingRef, snapshot, seenActions, seenCommits);
      versions.set(version, { ...operation, ...variant });
    }
    return versions.size === 0 ? operation : { ...operation, versions };
  }

  /** The body rule and the runner of an operation serving one action reference and one incoming schema. */
  private async served(
    row: OperationRow,
    action: string,
    incoming: string | null,
    snapshot: ConfigSnapshot,
    seenActions: Set<number>,
    seenCommits: Set<string>,
  ): Promise<{ body: BodyRule; run: (exchange: Exchange) => unknown }> {
    let body: BodyRule = { kind: 'passthru' };
    try {
      if (!isPassthrough(incoming)) body = this.bodyRule(incoming as string, snapshot);
      const handler = await this.handlerFor(action, snapshot, seenActions, seenCommits);
      const contextFor = this.deps.contextFor;
      return { body, run: (exchange) => invokeAction(handler, exchange, contextFor) };
    } catch (error) {
      return { body, run: unavailable(`Operation ${row.name} is not available: ${(error as Error).message}`) };
    }
  }

  private bodyRule(reference: string, snapshot: ConfigSnapshot): BodyRule {
    const schemaName = schemaNameOf(reference);
    const hash = pinOf(reference);
    if (hash === null) return { kind: 'schema', schemaName, validate: this.schemas.validator(schemaName) };
    const key = `${schemaName}@${hash}`;
    const source = snapshot.schemaCommits?.get(key);
    if (source === undefined) throw new Error(`schema "${schemaName}" has no commit ${hash}`);
    return { kind: 'schema', schemaName, validate: this.schemas.commitValidator(key, parseJsonColumn(source) ?? {}) };
  }

  private systemBody(key: string): BodyRule {
    let rule = this.systemBodies.get(key);
    if (!rule) {
      const schema = this.deps.system.incoming(key);
      rule = schema
        ? { kind: 'schema', schemaName: key, validate: this.systemAjv.compile(schema) }
        : { kind: 'passthru' };
      this.systemBodies.set(key, rule);
    }
    return rule;
  }

  private async handlerFor(
    reference: string,
    snapshot: ConfigSnapshot,
    seen: Set<number>,
    seenCommits: Set<string>,
  ): Promise<ActionHandler> {
    const name = actionNameOf(reference);
    const row = snapshot.actions.get(name);
    if (!row) throw new Error(`action "${name}" does not exist`);
    const hash = pinOf(reference);
    if (hash !== null) return this.commitHandler(row, hash, snapshot, seenCommits);
    seen.add(row.id);
    const key = `${row.updated_at}:${this.deps.actions.generation(row.class)}`;
    const cached = this.actionCache.get(row.id);
    if (cached && cached.key === key) return cached.handler;
    const handler = buildActionHandler(this.deps.actions, row, this.deps.actionEnv);
    this.actionCache.set(row.id, { key, handler });
    handler.catch(() => this.actionCache.delete(row.id));
    return handler;
  }

  /** The handler of one commit of an action: its class and config as they were then. */
  private commitHandler(
    row: ActionRow,
    hash: string,
    snapshot: ConfigSnapshot,
    seen: Set<string>,
  ): Promise<ActionHandler> {
    const commit = snapshot.actionCommits?.get(`${row.name}@${hash}`);
    if (!commit) throw new Error(`action "${row.name}" has no commit ${hash}`);
    const key = `${row.name}@${hash}`;
    seen.add(key);
    const generation = String(this.deps.actions.generation(commit.class));
    const cached = this.commitCache.get(key);
    if (cached && cached.key === generation) return cached.handler;
    const handler = buildActionHandler(
      this.deps.actions,
      { name: row.name, class: commit.class, config: commit.config },
      this.deps.actionEnv,
    );
    this.commitCache.set(key, { key: generation, handler });
    handler.catch(() => this.commitCache.delete(key));
    return handler;
  }
}

/** the runners of operations compiled to an error answer: such operations are not kept between rebuilds */
const unavailableRuns = new WeakSet<object>();

function isBroken(operation: CompiledOperation): boolean {
  if (unavailableRuns.has(operation.run)) return true;
  for (const variant of operation.versions?.values() ?? []) if (unavailableRuns.has(variant.run)) return true;
  return false;
}

/** What the releases tag, as one string: a new or moved tag recompiles the operations. */
function releaseKey(snapshot: ConfigSnapshot): string {
  if (!snapshot.releases || snapshot.releases.size === 0) return '';
  const parts: string[] = [];
  for (const [version, release] of snapshot.releases) {
    parts.push(version, ...[...release.actions].map(([n, h]) => `a:${n}@${h}`));
    parts.push(...[...release.schemas].map(([n, h]) => `s:${n}@${h}`));
  }
  return parts.join(',');
}

/** An operation that cannot run answers 503 with the reason. */
function unavailable(message: string): () => never {
  const run = () => {
    throw serviceUnavailable(message);
  };
  unavailableRuns.add(run);
  return run;
}

function queryRules(parameters: string | null): QueryParameterRule[] {
  if (!parameters) return [];
  const parsed = parseJsonColumn(parameters);
  if (!parsed || typeof parsed !== 'object') return [];
  const rules: QueryParameterRule[] = [];
  for (const [name, schema] of Object.entries(parsed as Record<string, { type?: string; enum?: unknown }>)) {
    const type = schema?.type;
    if (type !== 'string' && type !== 'integer' && type !== 'number' && type !== 'boolean') continue;
    const values = Array.isArray(schema.enum)
      ? schema.enum.map(String)
      : typeof schema.enum === 'string' && schema.enum !== ''
        ? schema.enum.split(',').map((v) => v.trim())
        : null;
    rules.push({ name, type, enum: values });
  }
  return rules;
}
