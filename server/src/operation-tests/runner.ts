import type { Kysely } from 'kysely';
import { decideScopes, userScopes } from '../auth/scopes.js';
import type { IssuedToken, IssueRequest, RevokeFilter } from '../auth/tokens.js';
import { Category, type Database, type OperationRow } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { serviceUnavailable } from '../errors.js';
import { SchemaCompiler } from '../schema/json-schema.js';
import { isPassthrough, schemaNameOf } from '../schema/names.js';
import type { TestWithOperation } from './repository.js';
import { TestStatus } from './tables.js';

/** A request sent through the platform's own HTTP pipeline, and its answer. */
export interface LoopbackRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** the address the request comes from: the caller's, so the firewall and rate limits see them */
  ip: string;
  body?: string;
}
export interface LoopbackResponse {
  status: number;
  body: string;
}

/**
 * The way back into the server's own pipeline (firewall, routing, authentication, scopes, limits,
 * validation, action, logging), attached by app.ts once the HTTP server exists.
 */
export class Loopback {
  private target: ((request: LoopbackRequest) => Promise<LoopbackResponse>) | undefined;

  attach(target: (request: LoopbackRequest) => Promise<LoopbackResponse>): void {
    this.target = target;
  }

  send(request: LoopbackRequest): Promise<LoopbackResponse> {
    if (!this.target) throw serviceUnavailable('Tests can only run inside a running server');
    return this.target(request);
  }
}

/** Who runs the tests: their tokens are minted for this user, with no scope their own token lacks. */
export interface TestRunner {
  readonly user: { readonly id: number; readonly name: string; readonly email: string | undefined };
  readonly scopes: readonly string[];
  readonly ip: string;
}

export interface TestRunDeps {
  readonly db: Kysely<Database>;
  readonly loopback: Loopback;
  readonly tokens: {
    issue(request: IssueRequest): Promise<IssuedToken>;
    revokeWhere(filter: RevokeFilter): Promise<number>;
  };
}

export interface TestOutcome {
  readonly id: number;
  readonly operationName: string;
  readonly status: number;
  readonly message: string;
  readonly response: string | null;
}

/** Headers a stored test may not set: the runner decides who calls. */
const reservedHeaders = new Set([
  'authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
]);

class MissingParameter extends Error {}

/** The request path of an operation: `:id`, `$id<[0-9]+>` and `*path` filled from the uri fragments. */
export function pathOf(httpPath: string, fragments: URLSearchParams): string {
  const parts: string[] = [];
  for (const part of httpPath.split('/')) {
    if (!part) continue;
    const marker = part[0];
    if (marker === ':' || marker === '$' || marker === '*') {
      const end = part.indexOf('<');
      const name = part.slice(1, end === -1 ? undefined : end);
      const value = fragments.get(name);
      if (value === null) throw new MissingParameter(`Missing parameter "${name}" in path`);
      parts.push(marker === '*' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value));
    } else {
      parts.push(part);
    }
  }
  return `/${parts.join('/')}`;
}

/**
 * Runs the stored tests: each one a real request through the pipeline, with a short-lived token minted
 * for the caller that carries only the operation's scopes the caller's own token and rights cover (so a
 * run can never do what the caller could not). The answer is judged as Fusio does: the operation's
 * status code, then its schemas (a missing one is a warning), then the body against the outgoing schema.
 */
export async function runTests(
  deps: TestRunDeps,
  runner: TestRunner,
  tests: readonly TestWithOperation[],
): Promise<TestOutcome[]> {
  const { db } = deps;
  const operations = new Map(
    tests.length === 0
      ? []
      : (
          await db
            .selectFrom('operations')
            .selectAll()
            .where(
              'id',
              'in',
              tests.map((t) => t.operation_id),
            )
            .execute()
        ).map((o) => [o.id, o]),
  );
  const links = tests.length
    ? await db
        .selectFrom('scope_operations')
        .innerJoin('scopes', 'scopes.id', 'scope_operations.scope_id')
        .select(['scope_operations.operation_id', 'scopes.name'])
        .where(
          'scope_operations.operation_id',
          'in',
          tests.map((t) => t.operation_id),
        )
        .execute()
    : [];
  const user = await db.selectFrom('users').select(['role_id']).where('id', '=', runner.user.id).executeTakeFirst();
  const rights = user ? await userScopes(db, runner.user.id, user.role_id) : [];
  const schemas = new SchemaCompiler();
  const stored = await db.selectFrom('schemas').select(['name', 'source']).where('status', '=', 1).execute();
  schemas.load(
    'run',
    stored.map((s) => ({ name: s.name, source: parseJsonColumn(s.source) ?? {} })),
  );

  const minted = new Map<string, IssuedToken>();
  const tokenFor = async (scopes: string[]) => {
    const key = [...scopes].sort().join(' ');
    let token = minted.get(key);
    if (!token) {
      token = await deps.tokens.issue({
        user: { id: runner.user.id, name: runner.user.name, email: runner.user.email ?? null },
        app: null,
        scopes,
        categoryId: Category.backend,
        name: 'Portico-Test',
        ip: runner.ip,
        ttl: 300,
      });
      minted.set(key, token);
    }
    return token.accessToken;
  };

  const outcomes: TestOutcome[] = [];
  try {
    for (const test of tests) {
      const operation = operations.get(test.operation_id);
      if (!operation) continue;
      const scopes = links.filter((l) => l.operation_id === operation.id).map((l) => l.name);
      const outcome = await runOne(deps, test, operation, scopes, runner, rights, tokenFor, schemas);
      outcomes.push({ id: test.id, operationName: operation.name, ...outcome });
    }
  } finally {
    const tokenIds = [...minted.values()].map((t) => t.tokenId);
    if (tokenIds.length > 0) await deps.tokens.revokeWhere({ tokenIds });
  }
  return outcomes;
}

type Judged = { status: number; message: string; response: string | null };

async function runOne(
  deps: TestRunDeps,
  test: TestWithOperation,
  operation: OperationRow,
  scopes: string[],
  runner: TestRunner,
  rights: readonly string[],
  tokenFor: (scopes: string[]) => Promise<string>,
  schemas: SchemaCompiler,
): Promise<Judged> {
  let url: string;
  try {
    url = pathOf(operation.http_path, new URLSearchParams(test.uri_fragments ?? ''));
  } catch (error) {
    if (error instanceof MissingParameter) return { status: TestStatus.error, message: error.message, response: null };
    throw error;
  }
  const query = new URLSearchParams(test.parameters ?? '').toString();
  if (query) url += `?${query}`;

  const headers: Record<string, string> = { 'user-agent': 'Portico-Test' };
  for (const [name, value] of new URLSearchParams(test.headers ?? '')) {
    if (!reservedHeaders.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  if (operation.public !== 1) {
    const granted = decideScopes(scopes, { token: runner.scopes, user: rights }).granted.filter((s) =>
      scopes.includes(s),
    );
    if (granted.length === 0) {
      return {
        status: TestStatus.skipped,
        message: `Your token and rights hold none of the operation's scopes (${scopes.join(', ') || 'none'}), so it was not called`,
        response: null,
      };
    }
    headers.authorization = `Bearer ${await tokenFor(granted)}`;
  }
  const withBody = ['POST', 'PUT', 'PATCH'].includes(operation.http_method);
  let body: string | undefined;
  if (withBody && test.body !== null) {
    headers['content-type'] = 'application/json';
    body = test.body;
  }

  let answer: { status: number; body: string };
  try {
    answer = await deps.loopback.send({
      method: operation.http_method,
      url,
      headers,
      ip: runner.ip,
      ...(body === undefined ? {} : { body }),
    });
  } catch (error) {
    return { status: TestStatus.error, message: `Error: ${(error as Error).message}`, response: null };
  }
  const response = answer.body;
  if (answer.status !== operation.http_code) {
    return {
      status: TestStatus.error,
      message: `Expected status code ${operation.http_code} got ${answer.status}`,
      response,
    };
  }
  if (withBody && isPassthrough(operation.incoming)) {
    return { status: TestStatus.warning, message: 'No incoming schema defined', response };
  }
  if (isPassthrough(operation.outgoing) && !operation.outgoing?.startsWith('mime://')) {
    return { status: TestStatus.warning, message: 'No outgoing schema defined', response };
  }
  if (answer.status === 204 || operation.outgoing?.startsWith('mime://')) {
    return { status: TestStatus.success, message: '', response };
  }
  try {
    const validate = schemas.validator(schemaNameOf(operation.outgoing as string));
    const data: unknown = JSON.parse(response);
    if (validate(data)) return { status: TestStatus.success, message: '', response };
    const first = validate.errors?.[0];
    return {
      status: TestStatus.error,
      message:
        `The response does not match the outgoing schema: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim(),
      response,
    };
  } catch (error) {
    return { status: TestStatus.error, message: `Error: ${(error as Error).message}`, response };
  }
}
