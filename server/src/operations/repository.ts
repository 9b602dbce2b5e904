import type { BackendOperation, BackendOperationParameters } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { actionNameOf } from '../actions/build.js';
import { commitExists, currentCommit } from '../changes/history.js';
import type { Unit } from '../changes/unit.js';
import { assignableCategory } from '../db/categories.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type Database, type OperationRow, platformCategoryIds, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict } from '../errors.js';
import { PathSyntaxError, parsePath, usesReservedSegment } from '../gateway/path.js';
import { checkRoutes, RouteConflictError } from '../gateway/routing-table.js';
import { type HttpMethod, isDeprecated, isFrozen, Stability, stabilityNames } from '../gateway/types.js';
import { isPassthrough, pinOf, schemaNameOf } from '../schema/names.js';

/** An operation as the backend API sends it; the incoming schema has checked each field's shape. */
export type OperationInput = BackendOperation & {
  /** the category the operation belongs to (Portico's addition; `default`, 1, when absent) */
  categoryId?: number;
};

/** The types a query parameter may declare: the ones the gateway checks (gateway/validate.ts). */
export const parameterTypes = ['string', 'boolean', 'integer', 'number'] as const;

interface Columns {
  name: string;
  active: number;
  public: number;
  stability: number;
  description: string | null;
  http_method: HttpMethod;
  http_path: string;
  http_code: number;
  parameters: string | null;
  incoming: string | null;
  outgoing: string | null;
  throws: string | null;
  action: string;
  costs: number | null;
  metadata: string | null;
  deprecated_at: number | null;
}

/**
 * The installation's operations: that each has a name, a free route that fits beside every other one, an
 * existing action and existing schemas, and the scopes that guard it (created when they do not exist yet,
 * as Fusio does).
 */
export class OperationRepository {
  readonly table = new EntityTable({
    table: 'operations',
    label: 'operation',
    visible: (q) => q.where('category_id', 'not in', [...platformCategoryIds]).where('status', '=', Status.active),
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<OperationRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: OperationRow) => T,
    narrow?: Parameters<EntityTable<'operations'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, narrow);
  }

  /** The names of the scopes that guard an operation, sorted. */
  async scopes(db: Kysely<Database>, operationId: number): Promise<string[]> {
    const rows = await db
      .selectFrom('scope_operations')
      .innerJoin('scopes', 'scopes.id', 'scope_operations.scope_id')
      .select('scopes.name')
      .where('scope_operations.operation_id', '=', operationId)
      .orderBy('scopes.name')
      .execute();
    return rows.map((s) => s.name);
  }

  async create(unit: Unit, input: OperationInput): Promise<number> {
    const values = await this.merge(unit.db, input);
    if (isFrozen(values.stability)) await pin(unit.db, values);
    await this.assertRouteFree(unit.db, values);
    const categoryId = await assignableCategory(unit.db, input.categoryId ?? Category.default);
    const id = await insertWithId(
      unit.db.insertInto('operations').values({
        ...values,
        category_id: categoryId,
        status: Status.active,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    await this.setScopes(unit, id, input.scopes ?? []);
    unit.touched('operation');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: OperationInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const values = await this.merge(unit.db, input, existing);
    if (isFrozen(existing.stability)) {
      const changed = await this.changesOfFrozen(unit.db, existing, values, input.scopes);
      if (changed.length > 0) {
        throw conflict(
          `Operation "${existing.name}" is ${stabilityNames[existing.stability]}: only its stability can change, not its ${changed.join(', ')}; move it to experimental first`,
        );
      }
      // everything but the stability and the metadata stays as stored, pins included; back to experimental,
      // it follows the current action and schemas again
      Object.assign(values, kept(existing));
      if (values.stability === Stability.experimental) unpin(values);
    } else if (isFrozen(values.stability)) {
      await pin(unit.db, values);
    }
    // a change that keeps the name and the route needs no check against the other operations (each of
    // them was checked against this one when it was written): with 10,000 operations that saves reading them all
    const sameRoute =
      values.name === existing.name &&
      values.http_method === existing.http_method &&
      values.http_path === existing.http_path &&
      existing.status === Status.active;
    if (!sameRoute) await this.assertRouteFree(unit.db, values, existing.id);
    const categoryId =
      input.categoryId === undefined ? existing.category_id : await assignableCategory(unit.db, input.categoryId);
    await unit.db
      .updateTable('operations')
      .set({ ...values, category_id: categoryId, updated_at: Math.max(Date.now(), existing.updated_at + 1) })
      .where('id', '=', existing.id)
      .execute();
    // a frozen operation got this far only with the scopes it has
    if (input.scopes !== undefined && !isFrozen(existing.stability))
      await this.setScopes(unit, existing.id, input.scopes);
    unit.touched('operation');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    if (existing.stability === Stability.stable) {
      throw conflict(
        `It is not possible to delete an operation which is marked as stable: move "${existing.name}" to deprecated first`,
      );
    }
    await this.table.delete(unit.db, existing.id);
    unit.touched('operation');
    unit.target(existing.id);
    return existing.id;
  }

  /** Merges a create or update body over the existing row; checks what needs the database or the gateway. */
  private async merge(db: Kysely<Database>, input: OperationInput, existing?: OperationRow): Promise<Columns> {
    const name = input.name ?? existing?.name;
    if (!name) throw badRequest('Operation name must not be empty');
    const method = (input.httpMethod ?? existing?.http_method)?.toUpperCase() as HttpMethod | undefined;
    if (!method) throw badRequest('HTTP method must not be empty');

    const path = input.httpPath ?? existing?.http_path;
    if (!path) throw badRequest('HTTP path must not be empty');
    if (usesReservedSegment(path)) throw badRequest('HTTP path uses a path segment which is reserved for the system');
    try {
      parsePath(path);
    } catch (error) {
      if (error instanceof PathSyntaxError) throw badRequest(error.message);
      throw error;
    }

    const parameters = input.parameters ?? parseJsonColumn<BackendOperationParameters>(existing?.parameters);
    for (const [parameter, schema] of Object.entries(parameters ?? {})) {
      // the message names the parameter, which a rule of the incoming schema cannot
      if (!parameterTypes.includes(schema?.type as (typeof parameterTypes)[number])) {
        throw badRequest(`Parameter "${parameter}" must have a type of: ${parameterTypes.join(', ')}`);
      }
    }

    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const incoming = hasBody ? emptyToNull(input.incoming !== undefined ? input.incoming : existing?.incoming) : null;
    const outgoing = emptyToNull(input.outgoing !== undefined ? input.outgoing : existing?.outgoing);
    const throws = input.throws ?? parseJsonColumn<Record<string, string>>(existing?.throws);
    await assertSchema(db, incoming, 'Incoming');
    await assertSchema(db, outgoing, 'Outgoing');
    for (const [code, schema] of Object.entries(throws ?? {})) await assertSchema(db, schema, `Throw ${code}`);

    const action = input.action ?? existing?.action;
    if (!action) throw badRequest('Action must not be empty');
    await assertAction(db, action);

    const stability = input.stability ?? existing?.stability ?? Stability.experimental;
    const wasDeprecated = existing !== undefined && isDeprecated(existing.stability);
    return {
      name,
      active: input.active !== undefined ? (input.active ? 1 : 0) : (existing?.active ?? 1),
      public: input.public !== undefined ? (input.public ? 1 : 0) : (existing?.public ?? 0),
      stability,
      description: input.description !== undefined ? input.description : (existing?.description ?? null),
      http_method: method,
      http_path: path,
      http_code: input.httpCode ?? existing?.http_code ?? 200,
      parameters: parameters && Object.keys(parameters).length ? JSON.stringify(parameters) : null,
      incoming,
      outgoing,
      throws: throws && Object.keys(throws).length ? JSON.stringify(throws) : null,
      action,
      costs: input.costs !== undefined ? input.costs : (existing?.costs ?? null),
      metadata: input.metadata !== undefined ? JSON.stringify(input.metadata) : (existing?.metadata ?? null),
      // the date the Deprecation header gives, unless the metadata names one
      deprecated_at: !isDeprecated(stability) ? null : wasDeprecated ? (existing?.deprecated_at ?? null) : Date.now(),
    };
  }

  /**
   * What an update would change of a frozen operation besides its stability and metadata (which change
   * nothing a caller is served): the names of the fields, empty when nothing.
   */
  private async changesOfFrozen(
    db: Kysely<Database>,
    existing: OperationRow,
    values: Columns,
    scopes: readonly string[] | undefined,
  ): Promise<string[]> {
    const changed: string[] = [];
    const plain = [
      ['name', 'name'],
      ['active', 'active'],
      ['public', 'public'],
      ['http_method', 'httpMethod'],
      ['http_path', 'httpPath'],
      ['http_code', 'httpCode'],
    ] as const;
    for (const [column, field] of plain) if (values[column] !== existing[column]) changed.push(field);
    // a form sends an empty description and no costs as "" and 0: the same as none
    if ((values.description ?? '') !== (existing.description ?? '')) changed.push('description');
    if ((values.costs ?? 0) !== (existing.costs ?? 0)) changed.push('costs');
    if (!sameJson(values.parameters, existing.parameters)) changed.push('parameters');
    if (!sameReference(existing.action, values.action)) changed.push('action');
    if (!sameReference(existing.incoming, values.incoming)) changed.push('incoming');
    if (!sameReference(existing.outgoing, values.outgoing)) changed.push('outgoing');
    const was = parseJsonColumn<Record<string, string>>(existing.throws) ?? {};
    const now = parseJsonColumn<Record<string, string>>(values.throws) ?? {};
    const codes = new Set([...Object.keys(was), ...Object.keys(now)]);
    if ([...codes].some((code) => !sameReference(was[code] ?? null, now[code] ?? null))) changed.push('throws');
    if (scopes !== undefined) {
      const current = await this.scopes(db, existing.id);
      const wanted = [...new Set(scopes)].sort();
      if (wanted.length !== current.length || wanted.some((s, i) => s !== current[i])) changed.push('scopes');
    }
    return changed;
  }

  /** Name and route must be unique, and the route must fit beside every other route without a clash. */
  private async assertRouteFree(db: Kysely<Database>, values: Columns, exceptId?: number): Promise<void> {
    const others = await db
      .selectFrom('operations')
      .select(['id', 'name', 'http_method', 'http_path'])
      .where('status', '=', Status.active)
      .execute();
    const rest = others.filter((o) => o.id !== exceptId);
    if (rest.some((o) => o.name === values.name)) throw conflict('Operation already exists');
    if (rest.some((o) => o.http_method === values.http_method && o.http_path === values.http_path)) {
      throw conflict('An operation exists already with the same HTTP method and path');
    }
    try {
      checkRoutes([
        ...rest.map((o) => ({ name: o.name, method: o.http_method as HttpMethod, path: o.http_path })),
        { name: values.name, method: values.http_method, path: values.http_path },
      ]);
    } catch (error) {
      if (error instanceof RouteConflictError) throw conflict(error.message);
      if (error instanceof PathSyntaxError) throw badRequest(error.message);
      throw error;
    }
  }

  /** Links an operation to scopes by name; scopes that do not exist yet are created. */
  private async setScopes(unit: Unit, operationId: number, scopes: readonly string[]): Promise<void> {
    const db = unit.db;
    await db.deleteFrom('scope_operations').where('operation_id', '=', operationId).execute();
    for (const name of new Set(scopes)) {
      let scope = await db.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst();
      if (!scope) {
        const id = await insertWithId(
          db
            .insertInto('scopes')
            .values({ name, description: '', category_id: Category.default, status: 1, metadata: null }),
          this.dialect,
        );
        scope = { id };
        unit.touched('scope');
      }
      await db
        .insertInto('scope_operations')
        .values({ scope_id: scope.id, operation_id: operationId, allow: 1 })
        .execute();
    }
  }
}

/** What a frozen operation keeps as stored when its stability or metadata change. */
function kept(row: OperationRow): Omit<Columns, 'stability' | 'metadata' | 'deprecated_at'> {
  return {
    name: row.name,
    active: row.active,
    public: row.public,
    description: row.description,
    http_method: row.http_method as HttpMethod,
    http_path: row.http_path,
    http_code: row.http_code,
    parameters: row.parameters,
    incoming: row.incoming,
    outgoing: row.outgoing,
    throws: row.throws,
    action: row.action,
    costs: row.costs,
  };
}

/**
 * Pins an operation's action and schemas to the commits they are at now (`action://name@hash`,
 * `schema://Name@hash`), so later edits of them do not change what the operation serves.
 */
async function pin(db: Kysely<Database>, values: Columns): Promise<void> {
  if (pinOf(values.action) === null) {
    const name = actionNameOf(values.action);
    const row = await db
      .selectFrom('actions')
      .select('id')
      .where('name', '=', name)
      .where('status', '=', Status.active)
      .executeTakeFirstOrThrow();
    values.action = `action://${name}@${await currentCommit(db, 'action', row.id)}`;
  }
  const pinSchema = async (reference: string | null): Promise<string | null> => {
    if (reference === null || isPassthrough(reference) || pinOf(reference) !== null) return reference;
    const name = schemaNameOf(reference);
    const row = await db
      .selectFrom('schemas')
      .select('id')
      .where('name', '=', name)
      .where('status', '=', Status.active)
      .executeTakeFirstOrThrow();
    return `schema://${name}@${await currentCommit(db, 'schema', row.id)}`;
  };
  values.incoming = await pinSchema(values.incoming);
  values.outgoing = await pinSchema(values.outgoing);
  const throws = parseJsonColumn<Record<string, string>>(values.throws);
  if (throws) {
    for (const [code, reference] of Object.entries(throws)) throws[code] = (await pinSchema(reference)) ?? reference;
    values.throws = JSON.stringify(throws);
  }
}

/** Takes the pins off, as an operation moved back to experimental follows the current versions again. */
function unpin(values: Columns): void {
  values.action = `action://${actionNameOf(values.action)}`;
  const unpinSchema = (reference: string | null) =>
    reference === null || isPassthrough(reference) || pinOf(reference) === null
      ? reference
      : `schema://${schemaNameOf(reference)}`;
  values.incoming = unpinSchema(values.incoming);
  values.outgoing = unpinSchema(values.outgoing);
  const throws = parseJsonColumn<Record<string, string>>(values.throws);
  if (throws) {
    for (const [code, reference] of Object.entries(throws)) throws[code] = unpinSchema(reference) ?? reference;
    values.throws = JSON.stringify(throws);
  }
}

/**
 * A reference asks for no change when it names the same action or schema and the same commit, or no
 * commit at all (a client that sends back `name` for `action://name@hash`).
 */
function sameReference(stored: string | null, sent: string | null): boolean {
  if (stored === null || sent === null) return stored === sent;
  if (isPassthrough(stored) || isPassthrough(sent)) return isPassthrough(stored) && isPassthrough(sent);
  const name = (reference: string) =>
    reference.startsWith('action://') || !reference.includes('://') ? actionNameOf(reference) : schemaNameOf(reference);
  if (name(stored) !== name(sent)) return false;
  const pin = pinOf(sent);
  return pin === null || pin === pinOf(stored);
}

/** Two JSON columns hold the same value, whatever the order of their keys. */
function sameJson(a: string | null, b: string | null): boolean {
  return canonical(parseJsonColumn(a) ?? null) === canonical(parseJsonColumn(b) ?? null);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function emptyToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** A schema reference names an existing schema (or a passthrough). */
async function assertSchema(db: Kysely<Database>, reference: string | null, what: string): Promise<void> {
  if (reference === null || isPassthrough(reference)) return;
  if (reference.includes('://') && !reference.startsWith('schema://')) {
    throw badRequest(`${what} schema must be the name of a schema, optionally as schema://name`);
  }
  const row = await db
    .selectFrom('schemas')
    .select('id')
    .where('name', '=', schemaNameOf(reference))
    .where('status', '=', Status.active)
    .executeTakeFirst();
  if (!row)
    throw badRequest(`${what} schema "${reference}" does not exist, you need to provide an existing schema name`);
  const hash = pinOf(reference);
  if (hash !== null && !(await commitExists(db, 'schema', row.id, hash))) {
    throw badRequest(`${what} schema "${reference}" names a commit the schema does not have`);
  }
}

/** An action reference names an existing action. */
async function assertAction(db: Kysely<Database>, action: string): Promise<void> {
  if (action.includes('://') && !action.startsWith('action://')) {
    throw badRequest('Action must be the name of an action, optionally as action://name');
  }
  const row = await db
    .selectFrom('actions')
    .select('id')
    .where('name', '=', actionNameOf(action))
    .where('status', '=', Status.active)
    .executeTakeFirst();
  if (!row) throw badRequest(`Action "${action}" does not exist, you need to provide an existing action name`);
  const hash = pinOf(action);
  if (hash !== null && !(await commitExists(db, 'action', row.id, hash))) {
    throw badRequest(`Action "${action}" names a commit the action does not have`);
  }
}
