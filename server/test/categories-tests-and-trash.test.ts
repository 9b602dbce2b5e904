import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BackendOperationCreate, BackendScopeCreate } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, sdkError } from './support/consumer-helpers.js';
import { systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();
const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');

/** SQLite in a file, so `portico test` and the running node share it (the harness's default is in memory). */
function onDisk(database: TestDatabase): TestDatabase {
  if (database.kind !== 'sqlite') return database;
  return {
    kind: 'sqlite',
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-tests-db-'));
      return { url: `sqlite:${path.join(dir, 'portico.db')}`, drop: async () => fs.rmSync(dir, { recursive: true }) };
    },
  };
}

const staticAction = (name: string, response: string) => ({
  name,
  class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
  config: { response },
});

describe.each(databases)('categories, operation tests and the trash, through the fusio-sdk ($kind)', (database) => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness(onDisk(database));
    token = await h.adminToken();
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = (pathname: string, bearer?: string) =>
    h.fetch(pathname, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});

  it('keeps categories with operations in them, refuses to delete one that holds any, narrows logs by it', async () => {
    const backend = h.admin.backend();
    const all = await backend.category().getAll(0, 16);
    expect(all.entry?.map((c) => c.name)).toEqual(
      expect.arrayContaining(['default', 'backend', 'consumer', 'system', 'authorization']),
    );

    const created = await backend.category().create({ name: 'billing' });
    expect(created).toMatchObject({ success: true, message: 'Category successfully created' });
    const billingId = Number(created.id);
    expect(await backend.category().get('~billing')).toEqual({ id: billingId, name: 'billing' });
    expect(await backend.category().update(String(billingId), { name: 'invoicing' })).toMatchObject({
      message: 'Category successfully updated',
    });
    expect((await backend.category().getAll(0, 16, 'invoic')).entry).toEqual([{ id: billingId, name: 'invoicing' }]);

    // bad input changes nothing: a taken name, a bad name, a built-in category
    const taken = await h.fetch('/backend/category', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'invoicing' }),
    });
    expect(taken.status).toBe(409);
    expect((await sdkError(backend.category().create({ name: 'a b' }))).message).toMatch(/Invalid category name/);
    expect((await sdkError(backend.category().update('2', { name: 'admin' }))).message).toBe(
      'Category backend is built in and cannot be renamed',
    );
    expect((await sdkError(backend.category().delete('1'))).message).toBe(
      'Category default is built in and cannot be deleted',
    );

    // an operation in the category: listed with the others, served, its calls logged under the category
    await backend.action().create(staticAction('invoice-list', '{"invoices":[]}'));
    const op = await backend.operation().create({
      name: 'invoice.getAll',
      httpMethod: 'GET',
      httpPath: '/invoice',
      httpCode: 200,
      action: 'invoice-list',
      public: true,
      categoryId: billingId,
    } as BackendOperationCreate);
    const opId = Number(op.id);
    expect((await backend.operation().get(String(opId))) as { categoryId?: number }).toMatchObject({
      name: 'invoice.getAll',
      categoryId: billingId,
    });
    expect((await backend.operation().getAll(0, 100, 'invoice')).entry?.map((o) => o.name)).toEqual(['invoice.getAll']);
    // a platform category cannot take an administrator's operation
    const refused = await sdkError(
      backend.operation().update(String(opId), { categoryId: 2 } as BackendOperationCreate),
    );
    expect(refused.message).toBe("Category 2 holds the platform's own operations; choose another");
    expect((await call('/invoice')).status).toBe(200);
    await h.flushLogs();
    const logs = (await (await call(`/backend/log?categoryId=${billingId}`, token)).json()) as {
      entry: { path: string }[];
    };
    expect(logs.entry.map((l) => l.path)).toEqual(['/invoice']);
    const stats = (await (
      await call(`/backend/statistic/incoming_requests?categoryId=${billingId}`, token)
    ).json()) as { series: { data: number[] }[] };
    expect(stats.series[0]?.data.reduce((a, b) => a + b, 0)).toBe(1);

    // the category's own scopes
    const scope = await backend.scope().create({
      name: 'invoices',
      description: 'Invoices',
      categoryId: billingId,
    } as BackendScopeCreate);
    expect((await backend.scope().get(String(scope.id))) as { categoryId?: number }).toMatchObject({
      name: 'invoices',
      categoryId: billingId,
    });
    const grouped = await backend.scope().getCategories();
    expect(grouped.categories?.find((c) => c.id === billingId)?.scopes?.map((s) => s.name)).toEqual(['invoices']);

    const holding = await h.fetch(`/backend/category/${billingId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(holding.status).toBe(409);
    expect(((await holding.json()) as { message: string }).message).toBe(
      'Category invoicing still holds 1 operation, 1 scope: move or delete them before deleting the category',
    );
    await backend.operation().update(String(opId), { categoryId: 1 } as BackendOperationCreate);
    await backend.scope().update(String(scope.id), { categoryId: 1 } as BackendScopeCreate);
    expect(await backend.category().delete(String(billingId))).toMatchObject({
      message: 'Category successfully deleted',
    });
    expect((await sdkError(backend.category().get(String(billingId)))).message).toBe('Could not find category');
  });

  it('runs a stored test per operation through the gateway, one failing on purpose, and never beyond the caller', async () => {
    const backend = h.admin.backend();
    await backend.schema().create({
      name: 'Thing',
      source: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
    });
    await backend.action().create(staticAction('thing-get', '{"id":7}'));
    await backend.action().create(staticAction('thing-broken', '{"id":"seven"}'));
    await backend.scope().create({ name: 'things', description: 'Things' });
    // the administrator holds the new scope (a token of theirs asks for all they hold)
    const admin = await backend.user().get('~admin');
    await backend.user().update(String(admin.id), { scopes: [...(admin.scopes ?? []), 'things'] });
    token = await h.adminToken();
    const tester = bearerClient(h, token).backend();
    await backend.operation().create({
      name: 'thing.get',
      httpMethod: 'GET',
      httpPath: '/thing/:id',
      httpCode: 200,
      action: 'thing-get',
      outgoing: 'schema://Thing',
      scopes: ['things'],
    });
    await backend.operation().create({
      name: 'thing.broken',
      httpMethod: 'GET',
      httpPath: '/thing-broken',
      httpCode: 200,
      action: 'thing-broken',
      outgoing: 'schema://Thing',
      public: true,
    });

    expect(await backend.test().refresh()).toMatchObject({ success: true, message: 'Tests successfully refreshed' });
    const tests = await backend.test().getAll(0, 100);
    const byName = new Map(tests.entry?.map((t) => [t.operationName, t]));
    // every operation of the administrators' categories, none of the platform's own
    expect([...byName.keys()].sort()).toEqual(['invoice.getAll', 'thing.broken', 'thing.get']);
    expect([...byName.values()].every((t) => t.status === 1)).toBe(true);
    const getId = String(byName.get('thing.get')?.id);

    // without the path parameter the test cannot be sent
    await tester.test().run();
    expect(await backend.test().get(getId)).toMatchObject({
      status: 4,
      message: 'Missing parameter "id" in path',
    });

    expect(
      await backend.test().update(getId, {
        config: { uriFragments: 'id=7', parameters: 'verbose=1', headers: 'Accept=application/json' },
      }),
    ).toMatchObject({ message: 'Test successfully updated' });
    expect(await tester.test().run()).toMatchObject({ success: true, message: 'Tests successfully executed' });
    const ran = new Map((await backend.test().getAll(0, 100)).entry?.map((t) => [t.operationName, t]));
    expect(ran.get('thing.get')).toMatchObject({ status: 2 });
    expect(ran.get('thing.broken')).toMatchObject({ status: 4 });
    expect(ran.get('thing.broken')?.message).toMatch(/^The response does not match the outgoing schema: \/id/);
    expect(ran.get('invoice.getAll')).toMatchObject({ status: 3, message: 'No outgoing schema defined' });
    expect(await backend.statistic().getTestCoverage()).toEqual({
      labels: ['Pending', 'Success', 'Warning', 'Error'],
      series: [{ name: 'Tests', data: [0, 1, 1, 1] }],
    });
    const detail = await backend.test().get(getId);
    expect(detail).toMatchObject({
      operationName: 'thing.get',
      response: '{"id":7}',
      config: { uriFragments: 'id=7', parameters: 'verbose=1', headers: 'Accept=application/json' },
    });
    // the requests went through the pipeline: they are in the request log
    await h.flushLogs();
    const logged = (await (await call('/backend/log?search=thing', token)).json()) as { entry: { path: string }[] };
    expect(logged.entry.map((l) => l.path)).toContain('/thing/7');
    // the minted tokens were revoked after the run
    const minted = (await (await call('/backend/token?search=Portico-Test', token)).json()) as {
      entry: { status: number }[];
    };
    expect(minted.entry.length).toBeGreaterThan(0);
    expect(minted.entry.every((t) => t.status !== 1)).toBe(true);

    // a caller holding backend.test but not `things` cannot reach thing.get through a run
    const narrow = bearerClient(h, await h.adminToken('backend.test'));
    await narrow.backend().test().run();
    const skipped = await backend.test().get(getId);
    expect(skipped.status).toBe(5);
    expect(skipped.message).toMatch(/hold none of the operation's scopes \(things\)/);

    // a disabled test is not run; only pending or disabled may be set by hand
    await backend.test().update(getId, { status: 6 });
    await tester.test().run();
    expect((await backend.test().get(getId)).status).toBe(6);
    expect((await sdkError(backend.test().update(getId, { status: 2 }))).message).toBe(
      'Test status can only be set to 1 (pending) or 6 (disabled); a run sets the others',
    );
    await backend.test().update(getId, { status: 1 });
  });

  it('`portico test` runs the tests for CI: a table, and exit code 1 when one fails', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-test-cli-'));
    try {
      const result = await run(process.execPath, [bin, 'test', '--user', 'admin'], {
        cwd: work,
        env: {
          ...process.env,
          DATABASE_URL: h.databaseUrl,
          PORTICO_DATA_DIR: work,
          PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
          LOG_LEVEL: 'warn',
        },
        timeout: 90_000,
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      expect(result.stdout).toContain('3 tests: 1 passed, 1 warned, 1 failed, 0 skipped');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^STATUS\s+OPERATION\s+MESSAGE/);
      expect(result.stdout).toMatch(/SUCCESS\s+thing\.get/);
      expect(result.stdout).toMatch(/ERROR\s+thing\.broken\s+The response does not match/);
      expect(result.stdout).toContain('3 tests: 1 passed, 1 warned, 1 failed, 0 skipped');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('keeps deleted configuration in the trash and restores it; the restored operation serves again', async () => {
    const backend = h.admin.backend();
    expect((await backend.trash().getTypes()).types).toEqual(expect.arrayContaining(['operation', 'schema', 'action']));
    const userToken = await h.adminToken();
    expect((await call('/thing/7', userToken)).status).toBe(200);

    const op = await backend.operation().get('~thing.get');
    await backend.operation().delete(String(op.id));
    expect((await call('/thing/7', userToken)).status).toBe(404);
    const trashed = await backend.trash().getAllByType('operation', 0, 16);
    expect(trashed.entry).toEqual([{ id: op.id, status: 0, name: 'thing.get' }]);

    expect(await backend.trash().restore('operation', { id: op.id })).toMatchObject({
      success: true,
      message: 'Restore successful',
    });
    // the gateway was rebuilt before the answer: the operation serves again, with its scopes
    expect((await call('/thing/7', userToken)).status).toBe(200);
    expect((await call('/thing/7')).status).toBe(401);
    const restored = await backend.operation().get('~thing.get');
    expect(restored).toMatchObject({ httpPath: '/thing/:id', outgoing: 'schema://Thing', scopes: ['things'] });
    expect((await backend.trash().getAllByType('operation')).totalResults).toBe(0);

    // a name taken since: 409 naming it, and the copy stays
    await backend.operation().delete(String(restored.id));
    await backend.operation().create({
      name: 'thing.get',
      httpMethod: 'GET',
      httpPath: '/thing-new',
      action: 'thing-get',
      public: true,
    });
    const clash = await h.fetch('/backend/trash/operation', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: restored.id }),
    });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { message: string }).message).toBe(
      'An operation named "thing.get" exists again: rename or delete it before restoring the deleted one',
    );
    expect((await backend.trash().getAllByType('operation')).totalResults).toBe(1);

    // bad input: an unknown type, no id, an id never deleted
    expect((await sdkError(backend.trash().getAllByType('connection'))).message).toMatch(/^Provided an invalid type/);
    expect((await sdkError(backend.trash().restore('operation', {}))).success).toBe(false);
    expect((await sdkError(backend.trash().restore('operation', { id: 999999 }))).message).toBe(
      'Could not find a deleted operation with id 999999',
    );
    // the trash of a kind needs that kind's scope too
    const narrow = await h.fetch('/backend/trash/operation', {
      headers: { authorization: `Bearer ${await h.adminToken('backend.trash')}` },
    });
    expect(narrow.status).toBe(403);

    // a schema goes and comes back the same way
    await backend.schema().create({ name: 'Gone', source: { type: 'object' } });
    const gone = await backend.schema().get('~Gone');
    await backend.schema().delete(String(gone.id));
    await backend.trash().restore('schema', { id: gone.id });
    expect(await backend.schema().get('~Gone')).toMatchObject({ name: 'Gone', source: { type: 'object' } });
  });
});
