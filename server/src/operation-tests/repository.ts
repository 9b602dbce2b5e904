import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type Paging } from '../db/listing.js';
import { type Database, platformCategoryIds, Status } from '../db/schema.js';
import { badRequest, notFound } from '../errors.js';
import { type TestRow, TestStatus } from './tables.js';
import './tables.js';

/** A test with the name of its operation. */
export type TestWithOperation = TestRow & { operation_name: string };

/** fusio-sdk's BackendTest, as an update takes it. */
export interface TestInput {
  status?: number;
  config?: {
    uriFragments?: string | null;
    parameters?: string | null;
    headers?: string | null;
    body?: unknown;
  };
}

/** The responses kept of a run: enough to see why a test failed, never a whole download. */
const maxResponse = 64 * 1024;

/**
 * The stored test requests, one per operation of the administrators' categories (the platform's own
 * operations are not tested). `refresh` makes the set match the operations; results are written by the
 * runner (runner.ts) once its requests are done.
 */
export class TestRepository {
  constructor(private readonly dialect: DialectName) {}

  private select(db: Kysely<Database>) {
    return db
      .selectFrom('tests')
      .innerJoin('operations', 'operations.id', 'tests.operation_id')
      .selectAll('tests')
      .select('operations.name as operation_name');
  }

  async find(db: Kysely<Database>, id: number): Promise<TestWithOperation> {
    const row = await this.select(db).where('tests.id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Could not find test');
    return row;
  }

  async page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: TestWithOperation) => T,
    status?: number,
  ): Promise<Collection<T>> {
    let base = db.selectFrom('tests').innerJoin('operations', 'operations.id', 'tests.operation_id');
    if (paging.search) base = base.where(containsIgnoreCase('operations.name', paging.search));
    if (status !== undefined) base = base.where('tests.status', '=', status);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll('tests')
      .select('operations.name as operation_name')
      .orderBy('operations.name', paging.sortOrder === 'desc' ? 'desc' : 'asc')
      .orderBy('tests.id')
      .limit(paging.count)
      .offset(paging.startIndex)
      .execute();
    return collection(Number(total.n), paging, rows.map(map));
  }

  /** Every test a run sends: all but the disabled ones, by operation name. */
  runnable(db: Kysely<Database>): Promise<TestWithOperation[]> {
    return this.select(db).where('tests.status', '!=', TestStatus.disabled).orderBy('operations.name').execute();
  }

  /**
   * A test per active operation of the administrators' categories, pending again (a disabled one stays
   * disabled); tests of operations that are gone are deleted. Answers how many tests there are.
   */
  async refresh(unit: Unit): Promise<number> {
    const db = unit.db;
    const operations = await db
      .selectFrom('operations')
      .select(['id', 'category_id'])
      .where('status', '=', Status.active)
      .where('category_id', 'not in', [...platformCategoryIds])
      .execute();
    const existing = await db.selectFrom('tests').select(['id', 'operation_id', 'status']).execute();
    const byOperation = new Map(existing.map((t) => [t.operation_id, t]));
    const now = Date.now();
    const kept = new Set<number>();
    for (const operation of operations) {
      const test = byOperation.get(operation.id);
      if (test) {
        kept.add(test.id);
        if (test.status !== TestStatus.disabled) {
          await db
            .updateTable('tests')
            .set({ status: TestStatus.pending, category_id: operation.category_id, updated_at: now })
            .where('id', '=', test.id)
            .execute();
        }
      } else {
        const id = await insertWithId(
          db.insertInto('tests').values({
            category_id: operation.category_id,
            operation_id: operation.id,
            status: TestStatus.pending,
            message: null,
            response: null,
            uri_fragments: null,
            parameters: null,
            headers: null,
            body: null,
            updated_at: now,
          }),
          this.dialect,
        );
        kept.add(id);
      }
    }
    const stale = existing.filter((t) => !kept.has(t.id)).map((t) => t.id);
    if (stale.length > 0) await db.deleteFrom('tests').where('id', 'in', stale).execute();
    return operations.length;
  }

  async update(unit: Unit, id: number, input: TestInput): Promise<number> {
    const existing = await this.find(unit.db, id);
    if (
      input.status !== undefined &&
      input.status !== TestStatus.pending &&
      input.status !== TestStatus.disabled &&
      input.status !== existing.status
    ) {
      throw badRequest('Test status can only be set to 1 (pending) or 6 (disabled); a run sets the others');
    }
    const config = input.config;
    const text = (value: string | null | undefined, was: string | null) =>
      value === undefined ? was : value === null || value === '' ? null : value;
    await unit.db
      .updateTable('tests')
      .set({
        status: input.status ?? existing.status,
        uri_fragments: text(config?.uriFragments, existing.uri_fragments),
        parameters: text(config?.parameters, existing.parameters),
        headers: text(config?.headers, existing.headers),
        body:
          config?.body === undefined
            ? existing.body
            : config.body === null
              ? null
              : JSON.stringify(config.body, null, 2),
        updated_at: Date.now(),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.target(existing.id);
    return existing.id;
  }

  /** What a run found for one test. */
  async record(unit: Unit, id: number, status: number, message: string, response: string | null): Promise<void> {
    await unit.db
      .updateTable('tests')
      .set({
        status,
        message: message || null,
        response: response === null ? null : response.slice(0, maxResponse),
        updated_at: Date.now(),
      })
      .where('id', '=', id)
      .execute();
  }
}
