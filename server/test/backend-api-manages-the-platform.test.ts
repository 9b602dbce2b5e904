import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload().message ?? '';
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe.each(databases)('the backend API manages scopes, roles, users, config and more ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('ships a fresh install with Fusio’s scopes, roles and config', async () => {
    const backend = h.admin.backend();
    const categories = await backend.scope().getCategories();
    const names = categories.categories?.flatMap((c) => c.scopes?.map((s) => s.name) ?? []) ?? [];
    expect(names).toEqual(
      expect.arrayContaining([
        'backend',
        'consumer',
        'authorization',
        'openid',
        'default',
        'backend.operation',
        'backend.user',
      ]),
    );
    const roles = await backend.role().getAll();
    expect(roles.entry?.map((r) => r.name).sort()).toEqual(['Administrator', 'Backend', 'Consumer']);
    const administrator = await backend.role().get('~Administrator');
    expect(administrator.scopes).toEqual(['authorization', 'backend', 'consumer', 'default']);
    const config = await backend.config().getAll(0, 100);
    const keys = config.entry?.map((c) => c.name);
    for (const key of [
      'app_approval',
      'consumer_max_apps',
      'info_title',
      'mail_register_body',
      'role_default',
      'user_pw_length',
    ]) {
      expect(keys).toContain(key);
    }
    expect(config.totalResults).toBe(config.entry?.length);
  });

  it('pages and searches collections the Fusio way', async () => {
    const backend = h.admin.backend();
    for (let i = 0; i < 5; i++) await backend.scope().create({ name: `pager-${i}`, description: `scope ${i}` });
    const page = await backend.scope().getAll(1, 2, 'pager');
    expect(page).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    expect(page.entry?.length).toBe(2);
    // count outside 1..1024 falls back to 16
    expect((await backend.scope().getAll(0, 5000)).itemsPerPage).toBe(16);
    // a search term is data, never SQL
    expect((await backend.scope().getAll(0, 16, "x' OR '1'='1")).totalResults).toBe(0);
    expect((await backend.scope().getAll(0, 16, '%')).totalResults).toBe(0);
  });

  it('manages scopes, including their operations, and protects the system scopes', async () => {
    const backend = h.admin.backend();
    await backend.action().create({
      name: 'static',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"ok":true}' },
    });
    const op = await backend
      .operation()
      .create({ name: 'thing.get', httpMethod: 'GET', httpPath: '/thing', action: 'static' });
    const scope = await backend.scope().create({
      name: 'things',
      description: 'Read things',
      operations: [{ operationId: Number(op.id), allow: true }],
    });
    const stored = await backend.scope().get(String(scope.id));
    expect(stored).toMatchObject({
      name: 'things',
      description: 'Read things',
      operations: [{ operationId: Number(op.id), allow: true }],
    });
    expect((await backend.operation().get(String(op.id))).scopes).toEqual(['things']);

    // the Administrator role gets the scope, so the admin's next token may call the operation
    await backend
      .role()
      .update('~Administrator', { scopes: ['authorization', 'backend', 'consumer', 'default', 'things'] });
    const token = await h.adminToken('things');
    expect((await h.fetch('/thing', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    expect(await failure(backend.scope().create({ name: 'things' }))).toBe('Scope already exists');
    expect(await failure(backend.scope().create({ name: 'x' }))).toMatch(/Invalid scope name/);
    expect(await failure(backend.scope().delete('~backend'))).toMatch(/system/);
    expect(await failure(backend.scope().update('~backend.user', { name: 'hijack' }))).toMatch(/system/);

    await backend.scope().delete('~things');
    // without its only scope the operation is closed to everyone again
    expect((await h.fetch('/thing', { headers: { authorization: `Bearer ${await h.adminToken()}` } })).status).toBe(
      403,
    );
  });

  it('manages roles and users; passwords never come back', async () => {
    const backend = h.admin.backend();
    const role = await backend.role().create({ name: 'Partner', scopes: ['consumer', 'default'] });
    const user = await backend.user().create({
      roleId: Number(role.id),
      name: 'partner1',
      email: 'partner1@example.com',
      password: 'partner-password',
      status: 1,
      metadata: { company: 'ACME' },
    });
    const stored = await backend.user().get(String(user.id));
    expect(stored).toMatchObject({
      name: 'partner1',
      email: 'partner1@example.com',
      roleId: Number(role.id),
      status: 1,
    });
    expect(stored.metadata).toEqual({ company: 'ACME' });
    expect(stored.scopes?.sort()).toEqual(['consumer', 'default']);
    expect(JSON.stringify(stored)).not.toContain('partner-password');
    expect(JSON.stringify(await backend.user().getAll(0, 16, 'partner'))).not.toMatch(/\$scrypt/);

    expect(
      await failure(
        backend.user().create({ roleId: 1, name: 'partner1', email: 'x@example.com', password: 'long-enough' }),
      ),
    ).toBe('User name already exists');
    expect(
      await failure(
        backend.user().create({ roleId: 1, name: 'other', email: 'partner1@example.com', password: 'long-enough' }),
      ),
    ).toBe('User email already exists');
    expect(
      await failure(backend.user().create({ roleId: 1, name: 'shorty', email: 's@example.com', password: 'short' })),
    ).toMatch(/at least 8/);
    expect(
      await failure(
        backend.user().create({ roleId: 999, name: 'norole', email: 'n@example.com', password: 'long-enough' }),
      ),
    ).toMatch(/role/);
    expect(await failure(backend.role().delete(String(role.id)))).toMatch(/assigned/);
    expect(await failure(backend.role().delete('~Administrator'))).toMatch(/built-in/);

    await backend.user().delete(String(user.id));
    expect(await failure(backend.user().get(String(user.id)))).toBe('Could not find user');
    await backend.role().delete(String(role.id));
  });

  it('updates config values with their types; secrets are masked', async () => {
    const backend = h.admin.backend();
    await backend.config().update('~info_title', { value: 'Hosting API' });
    expect((await backend.config().get('~info_title')).value).toBe('Hosting API');
    expect((await h.anonymous().system().meta().getAbout()).title).toBe('Hosting API');

    await backend.config().update('~app_approval', { value: true });
    expect((await backend.config().get('~app_approval')).value).toBe(true);
    await backend.config().update('~consumer_max_apps', { value: 3 });
    expect((await backend.config().get('~consumer_max_apps')).value).toBe(3);
    expect(await failure(backend.config().update('~consumer_max_apps', { value: 'many' }))).toMatch(/number/);

    await backend.config().update('~recaptcha_secret', { value: 'top-secret-value' });
    const secret = await backend.config().get('~recaptcha_secret');
    expect(secret.value).toBe('********');
    // sending the mask back keeps the stored value
    await backend.config().update('~recaptcha_secret', { value: '********' });
    expect(h.portico.platform.settings.string('recaptcha_secret')).toBe('top-secret-value');
  });

  it('lists tokens and logs with filters, and the account of the caller', async () => {
    const backend = h.admin.backend();
    const tokens = await backend.token().getAll();
    expect(tokens.totalResults).toBeGreaterThan(0);
    const token = await backend.token().get(String(tokens.entry?.[0]?.id));
    expect(token.scopes?.length).toBeGreaterThan(0);

    await h.fetch('/thing?probe=1', { headers: { 'user-agent': 'filter-probe' } });
    await h.flushLogs();
    const logs = await backend
      .log()
      .getAll(0, 16, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'filter-probe');
    expect(logs.totalResults).toBe(1);
    const log = await backend.log().get(String(logs.entry?.[0]?.id));
    expect(log).toMatchObject({ method: 'GET', path: '/thing', userAgent: 'filter-probe' });
    expect(log.header).toContain('user-agent: filter-probe');

    const account = await backend.account().get();
    expect(account.name).toBe('admin');
    const dashboard = await backend.dashboard().getAll();
    expect(dashboard.incomingRequests?.labels?.length).toBe(30);
    // Fusio's chart: a series per event, a value per day
    expect(dashboard.mostUsedActivities?.series?.map((s) => s.name)).toEqual(
      expect.arrayContaining(['backend.scope.create']),
    );
  });

  it('keeps a history of action configs', async () => {
    const backend = h.admin.backend();
    await backend.action().update('~static', { config: { response: '{"ok":false}' } });
    const commits = await backend.action().getCommits('~static');
    expect(commits.totalResults).toBe(2);
    expect(commits.entry?.[0]?.config).toEqual({ response: '{"ok":false}' });
    expect(commits.entry?.[0]?.user?.name).toBe('admin');
    expect(commits.entry?.[0]?.commitHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
