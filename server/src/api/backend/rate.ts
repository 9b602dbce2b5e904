import type { BackendRate, BackendRateAllocation } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { insertWithId } from '../../db/insert.js';
import { collection, containsIgnoreCase, type EntityRef } from '../../db/listing.js';
import type { Database } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import { durationMillis } from '../../limits/duration.js';
import type { RateAllocationRow, RateRow } from '../../limits/tables.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const rateName = /^[a-zA-Z0-9\-_]{3,64}$/;
const maxLimit = 2_147_483_647;
const id = { type: ['integer', 'null'] };

const rateBody = {
  type: 'object',
  properties: {
    priority: { type: 'integer' },
    name: { type: 'string' },
    rateLimit: { type: 'integer' },
    timespan: { type: 'string' },
    allocation: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          operationId: id,
          userId: id,
          planId: id,
          appId: id,
          authenticated: { type: ['boolean', 'null'] },
        },
      },
    },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** Fusio's view shows `status: 1` on every rate that exists. */
type RateView = BackendRate & { status: number };

async function findRate(platform: Platform, ref: EntityRef): Promise<RateRow> {
  let query = platform.db.selectFrom('rates').selectAll();
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find rate');
  return row;
}

function summary(row: RateRow): RateView {
  const view: RateView = {
    id: row.id,
    status: 1,
    priority: row.priority,
    name: row.name,
    rateLimit: row.rate_limit,
    timespan: row.timespan,
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

function allocationView(row: RateAllocationRow): BackendRateAllocation & { rateId: number } {
  const view: BackendRateAllocation & { rateId: number } = { id: row.id, rateId: row.rate_id };
  if (row.operation_id !== null) view.operationId = row.operation_id;
  if (row.user_id !== null) view.userId = row.user_id;
  if (row.plan_id !== null) view.planId = row.plan_id;
  if (row.app_id !== null) view.appId = row.app_id;
  if (row.authenticated !== null) view.authenticated = row.authenticated !== 0;
  return view;
}

function checkValues(body: BackendRate): void {
  if (body.name !== undefined && !rateName.test(body.name)) {
    throw badRequest('Invalid rate name: use 3 to 64 letters, digits, "-" or "_"');
  }
  if (body.rateLimit !== undefined && (body.rateLimit < 0 || body.rateLimit > maxLimit)) {
    throw badRequest('Rate limit must be a number of requests from 0 up');
  }
  if (body.timespan !== undefined && durationMillis(body.timespan) === undefined) {
    throw badRequest('Timespan must be an ISO-8601 duration of at most ten years, e.g. PT1H, P1D or P1M');
  }
}

async function assertNameFree(db: Kysely<Database>, name: string): Promise<void> {
  if (await db.selectFrom('rates').select('id').where('name', '=', name).executeTakeFirst()) {
    throw conflict('Rate already exists');
  }
}

async function assertExisting(
  db: Kysely<Database>,
  table: 'operations' | 'users' | 'apps',
  label: string,
  ids: (number | null | undefined)[],
): Promise<void> {
  const wanted = [...new Set(ids.filter((v): v is number => typeof v === 'number'))];
  if (wanted.length === 0) return;
  const found = new Set((await db.selectFrom(table).select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
  const missing = wanted.filter((v) => !found.has(v));
  if (missing.length > 0) throw badRequest(`${label} ${missing.join(', ')} does not exist`);
}

/** Replaces a rate's allocations; the ids they name must exist (plans come later and are taken as given). */
async function setAllocations(
  db: Kysely<Database>,
  rateId: number,
  allocations: readonly BackendRateAllocation[],
): Promise<void> {
  await assertExisting(
    db,
    'operations',
    'Operation',
    allocations.map((a) => a.operationId),
  );
  await assertExisting(
    db,
    'users',
    'User',
    allocations.map((a) => a.userId),
  );
  await assertExisting(
    db,
    'apps',
    'App',
    allocations.map((a) => a.appId),
  );
  await db.deleteFrom('rate_allocations').where('rate_id', '=', rateId).execute();
  if (allocations.length === 0) return;
  await db
    .insertInto('rate_allocations')
    .values(
      allocations.map((a) => ({
        rate_id: rateId,
        operation_id: a.operationId ?? null,
        user_id: a.userId ?? null,
        plan_id: a.planId ?? null,
        app_id: a.appId ?? null,
        authenticated: a.authenticated === true ? 1 : a.authenticated === false ? 0 : null,
      })),
    )
    .execute();
}

export const rateOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.rate.getAll',
    method: 'GET',
    path: '/backend/rate',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('rates');
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      // Fusio lists the rate that wins first: by priority, highest first
      const order = page.sortOrder ?? 'desc';
      const rows = await query
        .selectAll()
        .orderBy('priority', order)
        .orderBy('id', order)
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(Number(total.n), page, rows.map(summary));
    },
  }),
  systemOperation({
    name: 'backend.rate.create',
    method: 'POST',
    path: '/backend/rate',
    httpCode: 201,
    incoming: { ...rateBody, required: ['name', 'rateLimit', 'timespan'] },
    async handler({ platform, request }) {
      const body = request.body as BackendRate;
      checkValues(body);
      const name = body.name as string;
      await assertNameFree(platform.db, name);
      const rateId = await platform.db.transaction().execute(async (trx) => {
        const rateId = await insertWithId(
          trx.insertInto('rates').values({
            name,
            priority: body.priority ?? 0,
            rate_limit: body.rateLimit as number,
            timespan: body.timespan as string,
            metadata: body.metadata ? JSON.stringify(body.metadata) : null,
            updated_at: Date.now(),
          }),
          platform.dialect,
        );
        await setAllocations(trx, rateId, body.allocation ?? []);
        return rateId;
      });
      await platform.rateLimits.reload();
      return created('Rate successfully created', rateId);
    },
  }),
  systemOperation({
    name: 'backend.rate.get',
    method: 'GET',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    async handler({ platform, request }) {
      const row = await findRate(platform, entityRef(request.params.rate_id));
      const allocations = await platform.db
        .selectFrom('rate_allocations')
        .selectAll()
        .where('rate_id', '=', row.id)
        .orderBy('id')
        .execute();
      return { ...summary(row), allocation: allocations.map(allocationView) };
    },
  }),
  systemOperation({
    name: 'backend.rate.update',
    method: 'PUT',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    incoming: rateBody,
    async handler({ platform, request }) {
      const existing = await findRate(platform, entityRef(request.params.rate_id));
      const body = request.body as BackendRate;
      checkValues(body);
      const name = body.name ?? existing.name;
      if (name !== existing.name) await assertNameFree(platform.db, name);
      await platform.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('rates')
          .set({
            name,
            priority: body.priority ?? existing.priority,
            rate_limit: body.rateLimit ?? existing.rate_limit,
            timespan: body.timespan ?? existing.timespan,
            metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
            updated_at: Date.now(),
          })
          .where('id', '=', existing.id)
          .execute();
        // without `allocation` the allocations stay (Fusio would drop them all)
        if (body.allocation !== undefined) await setAllocations(trx, existing.id, body.allocation);
      });
      await platform.rateLimits.reload();
      return message('Rate successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.rate.delete',
    method: 'DELETE',
    path: `/backend/rate/$rate_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findRate(platform, entityRef(request.params.rate_id));
      await platform.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('rate_allocations').where('rate_id', '=', existing.id).execute();
        await trx.deleteFrom('rates').where('id', '=', existing.id).execute();
      });
      await platform.rateLimits.reload();
      return message('Rate successfully deleted', existing.id);
    },
  }),
];
