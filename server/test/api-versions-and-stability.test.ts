import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployConfiguration, exportConfiguration, operationsByName } from '../src/api/configuration/engine.js';
import { parseConfiguration } from '../src/api/configuration/file.js';
import { platformOperations } from '../src/api/index.js';
import type { Caller } from '../src/auth/caller.js';
import { systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

async function sdkError(promise: Promise<unknown>): Promise<{ success?: boolean; message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

const operator: Caller = { user: null, app: null, token: null, scopes: ['backend'] };
const applier = { caller: operator, label: 'deploy versions.yaml', ip: '127.0.0.1' };

type OpenApi = {
  info: { version: string };
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref: string } }> } }>>;
  components: { schemas: Record<string, { required?: string[] }> };
};

const staticResponse = 'Fusio.Adapter.Util.Action.UtilStaticResponse';
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe.each(databases)('a stable operation keeps its promise to callers ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database);
    const backend = h.admin.backend();
    await backend.schema().create({
      name: 'Order',
      source: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] },
    });
    await backend.action().create({
      name: 'order-place',
      class: staticResponse,
      config: { response: JSON.stringify({ served: 'v1' }) },
    });
    await backend.operation().create({
      name: 'order.place',
      httpMethod: 'POST',
      httpPath: '/order',
      action: 'order-place',
      incoming: 'Order',
      public: true,
      stability: 1,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an experimental operation follows its action and says it is experimental', async () => {
    const res = await h.fetch('/order', post({ item: 'tea' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-stability')).toBe('experimental');
    expect(res.headers.get('deprecation')).toBeNull();
    expect(await res.json()).toEqual({ served: 'v1' });
  });

  it('a release tags the current action and schema; Api-Version of it is served that way later', async () => {
    const released = await h.fetch('/backend/release', {
      ...post({ version: '1.0.0' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(released.status).toBe(201);
    expect(await released.json()).toMatchObject({ success: true, id: '1.0.0' });

    // the same version twice is refused, and so is a name that is not x.y.z
    const again = await h.fetch('/backend/release', {
      ...post({ version: '1.0.0' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(again.status).toBe(409);
    const bad = await h.fetch('/backend/release', {
      ...post({ version: 'latest' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('x.y.z');

    // version 2 of the action and the schema: `item` became `sku`
    const backend = h.admin.backend();
    await backend.action().update('~order-place', { config: { response: JSON.stringify({ served: 'v2' }) } });
    await backend.schema().update('~Order', {
      source: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
    });

    const now = await h.fetch('/order', post({ sku: 'T-1' }));
    expect(now.status).toBe(200);
    expect(await now.json()).toEqual({ served: 'v2' });
    expect((await h.fetch('/order', post({ item: 'tea' }))).status).toBe(400);

    // Api-Version: 1.0.0 is the release: its action and its schema
    const old = await h.fetch('/order', post({ item: 'tea' }, { 'api-version': '1.0.0' }));
    expect(old.status).toBe(200);
    expect(await old.json()).toEqual({ served: 'v1' });
    expect((await h.fetch('/order', post({ sku: 'T-1' }, { 'api-version': '1.0.0' }))).status).toBe(400);
    // an unknown version is served as now
    const unknown = await h.fetch('/order', post({ sku: 'T-1' }, { 'api-version': '9.9.9' }));
    expect(await unknown.json()).toEqual({ served: 'v2' });

    const releases = await h.fetch('/backend/release', {
      headers: { authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(((await releases.json()) as { entry: unknown[] }).entry).toEqual([
      expect.objectContaining({ version: '1.0.0', actions: expect.any(Number), schemas: expect.any(Number) }),
    ]);
  });

  it('moved to stable, the operation pins its action and schema and refuses edits and deletion', async () => {
    const backend = h.admin.backend();
    await backend.operation().update('~order.place', { stability: 2 });
    const stable = await backend.operation().get('~order.place');
    expect(stable.stability).toBe(2);
    expect(stable.action).toMatch(/^action:\/\/order-place@[0-9a-f]{64}$/);
    expect(stable.incoming).toMatch(/^schema:\/\/Order@[0-9a-f]{64}$/);

    // the action and the schema change again: the stable operation serves what it was pinned to
    await backend.action().update('~order-place', { config: { response: JSON.stringify({ served: 'v3' }) } });
    await backend.schema().update('~Order', {
      source: { type: 'object', properties: { code: { type: 'integer' } }, required: ['code'] },
    });
    const res = await h.fetch('/order', post({ sku: 'T-1' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-stability')).toBe('stable');
    expect(await res.json()).toEqual({ served: 'v2' });
    expect((await h.fetch('/order', post({ code: 7 }))).status).toBe(400);
    // a release is still served as released
    expect(await (await h.fetch('/order', post({ item: 'tea' }, { 'api-version': '1.0.0' }))).json()).toEqual({
      served: 'v1',
    });

    const edit = await sdkError(backend.operation().update('~order.place', { httpPath: '/orders' }));
    expect(edit.success).toBe(false);
    expect(edit.message).toContain(
      'Operation "order.place" is stable: only its stability can change, not its httpPath',
    );
    // a client that sends the action back by name asks for no change: accepted, still pinned
    await backend.operation().update('~order.place', { action: 'action://order-place', stability: 2 });
    expect((await backend.operation().get('~order.place')).action).toBe(stable.action);
    // so does the whole operation sent back as it was read, with an empty description and no costs
    await backend.operation().update('~order.place', { ...stable, description: '', costs: 0 });
    const other = await sdkError(backend.operation().update('~order.place', { public: false }));
    expect(other.message).toContain('public');
    const deleted = await sdkError(backend.operation().delete('~order.place'));
    expect(deleted.message).toContain('It is not possible to delete an operation which is marked as stable');
    // the refusals are 409s and changed nothing
    const raw = await h.fetch('/backend/operation/~order.place', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(raw.status).toBe(409);
    const same = await backend.operation().get('~order.place');
    expect(same).toMatchObject({ httpPath: '/order', public: true, action: stable.action, incoming: stable.incoming });
    // what was sent back as it was read is kept as stored
    expect(same.description).toBeUndefined();
    expect(same.costs).toBeUndefined();
    expect((await h.fetch('/order', post({ sku: 'T-1' }))).status).toBe(200);
  });

  it('the OpenAPI document shows what is served: now, and per release', async () => {
    const now = (await (await h.fetch('/system/openapi')).json()) as OpenApi;
    // the current Order asks for `code`; the stable operation is pinned to the one that asked for `sku`
    expect(now.components.schemas.Order?.required).toEqual(['code']);
    const ref = now.paths['/order']?.post?.requestBody?.content['application/json']?.schema.$ref ?? '';
    expect(ref).toMatch(/^#\/components\/schemas\/Order\.[0-9a-f]{8}$/);
    expect(now.components.schemas[ref.split('/').pop() ?? '']?.required).toEqual(['sku']);

    const released = (await (await h.fetch('/system/openapi?version=1.0.0')).json()) as OpenApi;
    expect(released.info.version).toBe('1.0.0');
    expect(released.components.schemas.Order?.required).toEqual(['item']);
    expect(released.paths['/order']?.post?.requestBody?.content['application/json']?.schema.$ref).toBe(
      '#/components/schemas/Order',
    );
    const byHeader = (await (
      await h.fetch('/system/openapi', { headers: { 'api-version': '1.0.0' } })
    ).json()) as OpenApi;
    expect(byHeader.components.schemas.Order?.required).toEqual(['item']);
    expect((await h.fetch('/system/openapi?version=2.0.0')).status).toBe(404);
  });

  it('configuration as code: an unchanged stable operation deploys as a no-op; a change fails naming it', async () => {
    const operations = operationsByName(platformOperations);
    const deploy = (yaml: string) =>
      deployConfiguration(h.portico.platform, operations, applier, parseConfiguration(yaml), {
        env: {},
        prune: false,
        dryRun: false,
      });
    const exported = (await exportConfiguration(h.portico.platform, operations, operator)).yaml;
    expect(exported).toContain('name: order.place');
    const same = await deploy(exported);
    expect(same.changes).toEqual([]);

    const moved = exported.replace('httpPath: /order\n', 'httpPath: /orders\n');
    expect(moved).not.toBe(exported);
    await expect(deploy(moved)).rejects.toThrow(
      /operations "order\.place" could not be changed: Operation "order\.place" is stable: only its stability can change, not its httpPath/,
    );
    expect((await h.admin.backend().operation().get('~order.place')).httpPath).toBe('/order');
  });

  it('deprecated, it says so (Deprecation, Sunset); back to experimental, it follows the action again', async () => {
    const backend = h.admin.backend();
    await backend.operation().update('~order.place', {
      stability: 0,
      metadata: { sunset: '2027-06-30T00:00:00Z' },
    });
    const res = await h.fetch('/order', post({ sku: 'T-1' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-stability')).toBe('deprecated');
    expect(res.headers.get('deprecation')).toMatch(/^@\d{10}$/);
    const since = Number(res.headers.get('deprecation')?.slice(1)) * 1000;
    expect(Math.abs(since - Date.now())).toBeLessThan(5 * 60_000);
    expect(res.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
    // a browser script may read them
    const cors = await h.fetch('/order', post({ sku: 'T-1' }, { origin: 'https://app.example' }));
    expect(cors.headers.get('access-control-expose-headers')).toContain('Deprecation');
    expect(cors.headers.get('access-control-expose-headers')).toContain('Sunset');
    expect(await res.json()).toEqual({ served: 'v2' });

    await backend.operation().update('~order.place', { stability: 1 });
    const relaxed = await backend.operation().get('~order.place');
    expect(relaxed).toMatchObject({ action: 'action://order-place', incoming: 'schema://Order' });
    const now = await h.fetch('/order', post({ code: 7 }));
    expect(now.status).toBe(200);
    expect(now.headers.get('deprecation')).toBeNull();
    expect(await now.json()).toEqual({ served: 'v3' });

    // experimental again, it may be edited and deleted
    await backend.operation().update('~order.place', { httpPath: '/orders' });
    await backend.operation().delete('~order.place');
    expect((await h.fetch('/orders', post({ code: 7 }))).status).toBe(404);
  });
});

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');
const sqlite = databases.find((d) => d.kind === 'sqlite');

/** SQLite in a file, so the command and the running node share it (the harness's default is in memory). */
function onDisk(): TestDatabase {
  return {
    kind: 'sqlite',
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-release-db-'));
      return { url: `sqlite:${path.join(dir, 'portico.db')}`, drop: async () => fs.rmSync(dir, { recursive: true }) };
    },
  };
}

describe.skipIf(!sqlite)('portico release tags a version a running node serves', { timeout: 200_000 }, () => {
  let h: Harness;
  let work: string;

  async function portico(args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
        cwd: work,
        env: {
          ...process.env,
          DATABASE_URL: h.databaseUrl,
          PORTICO_DATA_DIR: work,
          PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
          LOG_LEVEL: 'warn',
        },
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-release-'));
    h = await startHarness(onDisk());
    const backend = h.admin.backend();
    await backend.action().create({ name: 'hello', class: staticResponse, config: { response: '{"say":"hi"}' } });
    await backend
      .operation()
      .create({ name: 'hello.get', httpMethod: 'GET', httpPath: '/hello', action: 'hello', public: true });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('tags every action from the command line; Api-Version selects it on the running node', async () => {
    const released = await portico(['release', '2.0.0']);
    expect(released.stderr).toBe('');
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('Release 2.0.0: 1 actions and 0 schemas tagged');
    await h.admin
      .backend()
      .action()
      .update('~hello', { config: { response: '{"say":"hello"}' } });
    expect(await (await h.fetch('/hello')).json()).toEqual({ say: 'hello' });
    // the node hears of the release through the change feed (polled twice a second)
    const until = Date.now() + 15_000;
    let body: unknown;
    do {
      body = await (await h.fetch('/hello', { headers: { 'api-version': '2.0.0' } })).json();
      if ((body as { say?: string }).say === 'hi') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < until);
    expect(body).toEqual({ say: 'hi' });

    const again = await portico(['release', '2.0.0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Release 2.0.0 exists already');
    const bad = await portico(['release', 'v2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Version "v2" must be of the form x.y.z');
    // the audit trail names the command
    const audits = await h.portico.platform.db.selectFrom('audits').select(['event', 'message']).execute();
    expect(audits).toContainEqual({
      event: 'backend.release.create',
      message: 'backend.release.create by release 2.0.0',
    });
  });
});
