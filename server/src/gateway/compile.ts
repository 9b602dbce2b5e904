import type { Kysely } from 'kysely';
import { actionNameOf, buildActionHandler } from '../actions/build.js';
import type { ActionRegistry } from '../actions/registry.js';
import type { ActionRow, Database, OperationRow } from '../db/schema.js';
import { Category, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { serviceUnavailable } from '../errors.js';
import type { ActionEnv, ActionHandler, JsonSchema } from '../plugins/action.js';
import { newAjv, SchemaCompiler } from '../schema/json-schema.js';
import { isPassthrough, schemaNameOf } from '../schema/names.js';
import { type ContextDeps, invokeAction } from './invoke.js';
import {
  type BodyRule,
  type CompiledOperation,
  type Exchange,
  type HttpMethod,
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

export interface ConfigSnapshot {
  operations: OperationRow[];
  scopesByOperation: Map<number, string[]>;
  actions: Map<string, ActionRow>;
  schemas: { name: string; source: string; updated_at: number }[];
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
  };
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
  private readonly operationCache = new Map<number, { key: string; operation: CompiledOperation }>();

  constructor(private readonly deps: CompilerDeps) {}

  async compile(snapshot: ConfigSnapshot): Promise<CompiledOperation[]> {
    const schemaGeneration = snapshot.schemas.map((s) => `${s.name}@${s.updated_at}`).join('|');
    this.schemas.load(
      schemaGeneration,
      snapshot.schemas.map((s) => ({ name: s.name, source: parseJsonColumn(s.source) ?? {} })),
    );
    const seenActions = new Set<number>();
    const seenOperations = new Set<number>();
    const compiled: CompiledOperation[] = [];
    for (const row of snapshot.operations) {
      seenOperations.add(row.id);
      const key = this.operationKey(row, snapshot, schemaGeneration, seenActions);
      const cached = this.operationCache.get(row.id);
      if (cached && cached.key === key) {
        compiled.push(cached.operation);
        continue;
      }
      const operation = await this.compileOne(row, snapshot, seenActions);
      // one that could not be built is tried again next time (its action may be repaired)
      if (!failed.has(operation)) this.operationCache.set(row.id, { key, operation });
      else this.operationCache.delete(row.id);
      compiled.push(operation);
    }
    for (const id of this.actionCache.keys()) if (!seenActions.has(id)) this.actionCache.delete(id);
    for (const id of this.operationCache.keys()) if (!seenOperations.has(id)) this.operationCache.delete(id);
    return compiled;
  }

  /** Everything a compiled operation is made of: its row, its scopes, its action's version, the schemas. */
  private operationKey(
    row: OperationRow,
    snapshot: ConfigSnapshot,
    schemaGeneration: string,
    seenActions: Set<number>,
  ): string {
    const scopes = snapshot.scopesByOperation.get(row.id)?.join(',') ?? '';
    if (row.action.startsWith('system://')) return `${row.updated_at}|${scopes}`;
    const action = snapshot.actions.get(actionNameOf(row.action));
    if (action) seenActions.add(action.id);
    const actionKey = action ? `${action.id}:${action.updated_at}:${this.deps.actions.generation(action.class)}` : '-';
    return `${row.updated_at}|${scopes}|${actionKey}|${isPassthrough(row.incoming) ? '' : schemaGeneration}`;
  }

  private async compileOne(
    row: OperationRow,
    snapshot: ConfigSnapshot,
    seenActions: Set<number>,
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
      };
    }
    let body: BodyRule = { kind: 'passthru' };
    let run: (exchange: Exchange) => unknown;
    try {
      if (!isPassthrough(row.incoming)) {
        const schemaName = schemaNameOf(row.incoming as string);
        body = { kind: 'schema', schemaName, validate: this.schemas.validator(schemaName) };
      }
      const handler = await this.handlerFor(row.action, snapshot, seenActions);
      const contextFor = this.deps.contextFor;
      run = (exchange) => invokeAction(handler, exchange, contextFor);
    } catch (error) {
      run = unavailable(`Operation ${row.name} is not available: ${(error as Error).message}`);
      const operation = { ...common, body, logBody: true, audited: false, run };
      failed.add(operation);
      return operation;
    }
    return { ...common, body, logBody: true, audited: false, run };
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

  private async handlerFor(reference: string, snapshot: ConfigSnapshot, seen: Set<number>): Promise<ActionHandler> {
    const name = actionNameOf(reference);
    const row = snapshot.actions.get(name);
    if (!row) throw new Error(`action "${name}" does not exist`);
    seen.add(row.id);
    const key = `${row.updated_at}:${this.deps.actions.generation(row.class)}`;
    const cached = this.actionCache.get(row.id);
    if (cached && cached.key === key) return cached.handler;
    const handler = buildActionHandler(this.deps.actions, row, this.deps.actionEnv);
    this.actionCache.set(row.id, { key, handler });
    handler.catch(() => this.actionCache.delete(row.id));
    return handler;
  }
}

/** operations compiled to an error answer: not kept between rebuilds */
const failed = new WeakSet<CompiledOperation>();

/** An operation that answers 503 with the reason. */
function unavailable(message: string): () => never {
  return () => {
    throw serviceUnavailable(message);
  };
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
