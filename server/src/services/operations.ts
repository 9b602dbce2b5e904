import type { BackendOperation, BackendOperationParameters } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { actionNameOf } from '../actions/build.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef } from '../db/listing.js';
import { Category, type Database, type OperationRow, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { PathSyntaxError, parsePath, usesReservedSegment } from '../gateway/path.js';
import { checkRoutes, RouteConflictError } from '../gateway/routing-table.js';
import { type HttpMethod, httpMethods } from '../gateway/types.js';
import type { Platform } from '../runtime/platform.js';
import { isPassthrough, schemaNameOf } from '../schema/names.js';

export type OperationInput = BackendOperation;

const operationName = /^[a-zA-Z0-9_.]{3,64}$/;

export async function findOperation(db: Kysely<Database>, ref: EntityRef): Promise<OperationRow> {
  let query = db.selectFrom('operations').selectAll().where('category_id', '=', Category.default);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row || row.status === Status.deleted) throw notFound('Could not find operation');
  return row;
}

/** The operation as the backend API shows it. */
export async function operationView(db: Kysely<Database>, row: OperationRow): Promise<BackendOperation> {
  const scopes = await db
    .selectFrom('scope_operations')
    .innerJoin('scopes', 'scopes.id', 'scope_operations.scope_id')
    .select('scopes.name')
    .where('scope_operations.operation_id', '=', row.id)
    .orderBy('scopes.name')
    .execute();
  const view: BackendOperation = {
    id: row.id,
    status: row.status,
    name: row.name,
    scopes: scopes.map((s) => s.name),
    active: row.active === 1,
    public: row.public === 1,
    stability: row.stability,
    httpMethod: row.http_method,
    httpPath: row.http_path,
    httpCode: row.http_code,
    action: row.action,
  };
  if (row.description !== null) view.description = row.description;
  const parameters = parseJsonColumn<BackendOperationParameters>(row.parameters);
  if (parameters) view.parameters = parameters;
  if (row.incoming !== null) view.incoming = row.incoming;
  if (row.outgoing !== null) view.outgoing = row.outgoing;
  const throws = parseJsonColumn<Record<string, string>>(row.throws);
  if (throws) view.throws = throws;
  if (row.costs !== null) view.costs = row.costs;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

interface Normalized {
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
}

/** Merges a create or update body over the existing row and checks everything a request could get wrong. */
async function normalize(platform: Platform, input: OperationInput, existing?: OperationRow): Promise<Normalized> {
  const db = platform.db;
  const name = input.name ?? existing?.name;
  if (!name) throw badRequest('Operation name must not be empty');
  if (!operationName.test(name)) throw badRequest('Invalid operation name: use 3 to 64 letters, digits, "_" or "."');

  const method = (input.httpMethod ?? existing?.http_method)?.toUpperCase();
  if (!method) throw badRequest('HTTP method must not be empty');
  if (!httpMethods.includes(method as HttpMethod)) {
    throw badRequest(`HTTP method must be one of: ${httpMethods.join(', ')}`);
  }

  const path = input.httpPath ?? existing?.http_path;
  if (!path) throw badRequest('HTTP path must not be empty');
  if (usesReservedSegment(path)) throw badRequest('HTTP path uses a path segment which is reserved for the system');
  try {
    parsePath(path);
  } catch (error) {
    if (error instanceof PathSyntaxError) throw badRequest(error.message);
    throw error;
  }

  const httpCode = input.httpCode ?? existing?.http_code ?? 200;
  if (!Number.isInteger(httpCode) || httpCode < 200 || httpCode > 299) {
    throw badRequest(`HTTP code "${httpCode}" is not in the range between 200 and 299`);
  }

  const stability = input.stability ?? existing?.stability ?? 1;
  if (![0, 1, 2, 3].includes(stability)) {
    throw badRequest('Stability contain an invalid value must be one of: 0, 1, 2, 3');
  }

  const parameters = input.parameters ?? parseJsonColumn<BackendOperationParameters>(existing?.parameters);
  for (const [paramName, schema] of Object.entries(parameters ?? {})) {
    if (!/^[A-Za-z0-9_]+$/.test(paramName)) {
      throw badRequest(
        `Parameter name "${paramName}" contains an invalid character, allowed are only alphanumeric characters and underscore`,
      );
    }
    const type = schema?.type;
    if (!type || !['string', 'boolean', 'integer', 'number'].includes(type)) {
      throw badRequest(`Parameter "${paramName}" must have a type of: string, boolean, integer, number`);
    }
  }

  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const incoming = hasBody ? emptyToNull(input.incoming !== undefined ? input.incoming : existing?.incoming) : null;
  const outgoing = emptyToNull(input.outgoing !== undefined ? input.outgoing : existing?.outgoing);
  const throws = input.throws ?? parseJsonColumn<Record<string, string>>(existing?.throws);
  await assertSchema(db, incoming, 'Incoming');
  await assertSchema(db, outgoing, 'Outgoing');
  for (const [code, schema] of Object.entries(throws ?? {})) {
    const n = Number(code);
    if (code !== '999' && (!Number.isInteger(n) || n < 400 || n > 599)) {
      throw badRequest(`Throw contains an HTTP status code "${code}" which is not in the range between 400 and 599`);
    }
    await assertSchema(db, schema, `Throw ${code}`);
  }

  const action = input.action ?? existing?.action;
  if (!action) throw badRequest('Action must not be empty');
  if (action.includes('://') && !action.startsWith('action://')) {
    throw badRequest('Action must be the name of an action, optionally as action://name');
  }
  const actionRow = await db
    .selectFrom('actions')
    .select('id')
    .where('name', '=', actionNameOf(action))
    .where('status', '=', Status.active)
    .executeTakeFirst();
  if (!actionRow) throw badRequest(`Action "${action}" does not exist, you need to provide an existing action name`);

  const costs = input.costs !== undefined ? input.costs : (existing?.costs ?? null);
  if (costs !== null && (!Number.isInteger(costs) || costs < 0)) throw badRequest('Costs must be a positive integer');

  const metadata = input.metadata !== undefined ? JSON.stringify(input.metadata) : (existing?.metadata ?? null);
  return {
    name,
    active: input.active !== undefined ? (input.active ? 1 : 0) : (existing?.active ?? 1),
    public: input.public !== undefined ? (input.public ? 1 : 0) : (existing?.public ?? 0),
    stability,
    description: input.description !== undefined ? input.description : (existing?.description ?? null),
    http_method: method as HttpMethod,
    http_path: path,
    http_code: httpCode,
    parameters: parameters && Object.keys(parameters).length ? JSON.stringify(parameters) : null,
    incoming,
    outgoing,
    throws: throws && Object.keys(throws).length ? JSON.stringify(throws) : null,
    action,
    costs,
    metadata,
  };
}

function emptyToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

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
}

/** Name and route must be unique, and the route must fit beside every other route without a clash. */
async function assertUnique(platform: Platform, values: Normalized, exceptId?: number): Promise<void> {
  const others = await platform.db
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

/** Links an operation to scopes by name; scopes that do not exist yet are created (as Fusio does). */
async function setOperationScopes(platform: Platform, db: Kysely<Database>, operationId: number, scopes: string[]) {
  await db.deleteFrom('scope_operations').where('operation_id', '=', operationId).execute();
  for (const name of new Set(scopes)) {
    if (!/^[a-zA-Z0-9\-_.]{3,64}$/.test(name)) throw badRequest(`Invalid scope name "${name}"`);
    let scope = await db.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst();
    if (!scope) {
      const id = await insertWithId(
        db
          .insertInto('scopes')
          .values({ name, description: '', category_id: Category.default, status: 1, metadata: null }),
        platform.dialect,
      );
      scope = { id };
    }
    await db
      .insertInto('scope_operations')
      .values({ scope_id: scope.id, operation_id: operationId, allow: 1 })
      .execute();
  }
}

export async function createOperation(platform: Platform, input: OperationInput): Promise<number> {
  const values = await normalize(platform, input);
  await assertUnique(platform, values);
  const id = await platform.db.transaction().execute(async (trx) => {
    const id = await insertWithId(
      trx.insertInto('operations').values({
        ...values,
        category_id: Category.default,
        status: Status.active,
        updated_at: Date.now(),
      }),
      platform.dialect,
    );
    await setOperationScopes(platform, trx, id, input.scopes ?? []);
    return id;
  });
  await platform.configChanged();
  return id;
}

export async function updateOperation(platform: Platform, ref: EntityRef, input: OperationInput): Promise<number> {
  const existing = await findOperation(platform.db, ref);
  const values = await normalize(platform, input, existing);
  await assertUnique(platform, values, existing.id);
  await platform.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('operations')
      .set({ ...values, updated_at: Date.now() })
      .where('id', '=', existing.id)
      .execute();
    if (input.scopes !== undefined) await setOperationScopes(platform, trx, existing.id, input.scopes);
  });
  await platform.configChanged();
  return existing.id;
}

export async function deleteOperation(platform: Platform, ref: EntityRef): Promise<number> {
  const existing = await findOperation(platform.db, ref);
  await platform.db.deleteFrom('operations').where('id', '=', existing.id).execute();
  await platform.configChanged();
  return existing.id;
}
