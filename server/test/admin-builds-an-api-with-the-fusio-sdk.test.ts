import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
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

describe.each(databases)('an admin builds an API with the unmodified fusio-sdk ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('logs in with OAuth2 client credentials and sees who it is', async () => {
    const me = await h.admin.authorization().getWhoami();
    expect(me.name).toBe('admin');
    expect(me.email).toBe('admin@example.com');
    expect(me.scopes).toEqual(expect.arrayContaining(['backend', 'consumer', 'authorization', 'default']));
  });

  it('creates a schema, an action and operations, and calls them', async () => {
    const schema = await h.admin
      .backend()
      .schema()
      .create({
        name: 'Todo',
        source: {
          type: 'object',
          properties: { title: { type: 'string', minLength: 1 }, done: { type: 'boolean' } },
          required: ['title'],
        },
      });
    expect(schema.success).toBe(true);

    const action = await h.admin
      .backend()
      .action()
      .create({
        name: 'todo-list',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: JSON.stringify([{ title: 'write tests', done: false }]) },
      });
    expect(action).toMatchObject({ success: true, message: 'Action successfully created' });
    await h.admin
      .backend()
      .action()
      .create({
        name: 'todo-created',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: { success: true, message: 'created' }, statusCode: 201, headers: { 'X-Thing': 'yes' } },
      });

    const list = await h.admin.backend().operation().create({
      name: 'todo.getAll',
      httpMethod: 'GET',
      httpPath: '/todo',
      action: 'todo-list',
      public: true,
      // experimental: this story edits and deletes it (a stable one is frozen: api-versions-and-stability)
      stability: 1,
    });
    expect(list.success).toBe(true);
    expect(Number(list.id)).toBeGreaterThan(0);
    await h.admin
      .backend()
      .operation()
      .create({
        name: 'todo.create',
        httpMethod: 'POST',
        httpPath: '/todo',
        httpCode: 201,
        action: 'todo-created',
        incoming: 'Todo',
        scopes: ['todo'],
      });

    const res = await h.fetch('/todo');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-operation-id')).toBe('todo.getAll');
    expect(res.headers.get('x-stability')).toBe('experimental');
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(await res.json()).toEqual([{ title: 'write tests', done: false }]);

    const op = await h.admin.backend().operation().get('~todo.create');
    expect(op).toMatchObject({ httpMethod: 'POST', httpPath: '/todo', incoming: 'Todo', scopes: ['todo'] });
  });

  it('guards a protected operation: no token 401, wrong scope 403, right scope passes validation', async () => {
    const noToken = await h.fetch('/todo', { method: 'POST', body: '{"title":"x"}' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await noToken.json()).toMatchObject({ success: false, message: 'Missing authorization header' });

    // the admin holds backend, consumer, authorization, default — not todo
    const adminToken = await h.adminToken();
    const wrongScope = await h.fetch('/todo', {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{"title":"x"}',
    });
    expect(wrongScope.status).toBe(403);

    // an app granted the todo scope gets a token that carries it
    const me = await h.admin.authorization().getWhoami();
    await h.admin
      .backend()
      .user()
      .update(String(me.id), { scopes: ['todo'] });
    const createdApp = (await h.admin
      .backend()
      .app()
      .create({
        userId: me.id,
        name: 'Todo client',
        url: 'https://client.example.com',
        scopes: ['todo'],
      })) as { id?: string; appKey?: string; appSecret?: string };
    expect(createdApp.appKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(createdApp.appSecret).toMatch(/^[0-9a-f]{64}$/);
    const stored = await h.admin.backend().app().get(String(createdApp.id));
    expect(stored.appSecret).toBeUndefined();

    const tokenRes = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${createdApp.appKey}:${createdApp.appSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=todo',
    });
    expect(tokenRes.status).toBe(200);
    const token = (await tokenRes.json()) as { access_token: string; scope: string; token_type: string };
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'todo' });
    const auth = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };

    const invalid = await h.fetch('/todo', { method: 'POST', headers: auth, body: '{"done":"yes"}' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toMatch(/title/);

    const ok = await h.fetch('/todo', { method: 'POST', headers: auth, body: '{"title":"buy milk"}' });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-thing')).toBe('yes');
    expect(await ok.json()).toEqual({ success: true, message: 'created' });
  });

  it('applies a change at once: new action config, new path, deactivation, deletion', async () => {
    await h.admin
      .backend()
      .action()
      .update('~todo-list', {
        config: { response: JSON.stringify([{ title: 'changed', done: true }]) },
      });
    expect(await (await h.fetch('/todo')).json()).toEqual([{ title: 'changed', done: true }]);

    await h.admin.backend().operation().update('~todo.getAll', { httpPath: '/todos' });
    const moved = await h.fetch('/todos');
    expect(moved.status).toBe(200);
    // POST /todo still exists, so GET on it is a method mismatch
    expect((await h.fetch('/todo')).status).toBe(405);

    await h.admin.backend().operation().update('~todo.getAll', { active: false });
    const gone = await h.fetch('/todos');
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ success: false, message: 'This action is no longer available' });

    await h.admin.backend().operation().delete('~todo.getAll');
    expect((await h.fetch('/todos')).status).toBe(404);
    const missing = await sdkError(h.admin.backend().operation().get('~todo.getAll'));
    expect(missing).toMatchObject({ success: false, message: 'Could not find operation' });
  });

  it('answers HEAD for GET routes, OPTIONS everywhere, 405 with Allow for the wrong method', async () => {
    await h.admin.backend().operation().create({
      name: 'todo.get',
      httpMethod: 'GET',
      httpPath: '/todo/:id',
      action: 'todo-list',
      public: true,
    });
    const head = await h.fetch('/todo/1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    const preflight = await h.fetch('/todo/1', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');

    const tokenPreflight = await h.fetch('/authorization/token', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(tokenPreflight.status).toBe(204);
    expect(tokenPreflight.headers.get('access-control-allow-methods')).toContain('POST');

    const browser = await h.fetch('/todo/1', { headers: { origin: 'https://app.example.com' } });
    expect(browser.headers.get('access-control-allow-origin')).toBe('*');
    expect(browser.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    // clients that are not browsers send no Origin and get no CORS headers
    expect((await h.fetch('/todo/1')).headers.get('access-control-allow-origin')).toBeNull();

    const wrong = await h.fetch('/todo/1', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('records every call in the request log and every backend change in the audit log', async () => {
    await h.fetch('/todo/7?x=1', { headers: { 'user-agent': 'contract-test' } });
    await h.flushLogs();
    const logs = await h.admin
      .backend()
      .log()
      .getAll(0, 50, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'contract-test');
    expect(logs.totalResults).toBeGreaterThanOrEqual(1);
    expect(logs.entry?.[0]).toMatchObject({ method: 'GET', path: '/todo/7', userAgent: 'contract-test' });
    const audits = await h.portico.platform.db.selectFrom('audits').select(['event', 'user_id']).execute();
    expect(audits.map((a) => a.event)).toEqual(
      expect.arrayContaining(['backend.schema.create', 'backend.action.create', 'backend.operation.delete']),
    );
    expect(audits.every((a) => a.user_id !== null)).toBe(true);
  });
});
