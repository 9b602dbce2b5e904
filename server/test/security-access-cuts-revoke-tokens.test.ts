import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { statusWithToken } from './support/oauth-fixtures.js';

const databases = await systemDatabases();

/**
 * A role, plan or scope that gives less takes the tokens that carry more with it, at once — but only
 * once the change has committed: a change that is rolled back (here: its audit row cannot be written)
 * revokes nothing.
 */
describe.each(databases)('cutting a role, plan or scope revokes the tokens beyond it ($kind)', (database) => {
  let h: Harness;
  let token: string;
  let n = 0;
  const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${++n}`;

  async function send(method: string, path: string, body?: unknown) {
    const res = await h.fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id?: string; message?: string } };
  }

  /** the same write, first while its audit row cannot be written (refused, rolled back), then for real */
  async function failingThenDone(method: string, path: string, body?: unknown, stillValid?: string) {
    const rename = (from: string, to: string) =>
      sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(h.portico.platform.db);
    await rename('audits', 'audits_gone');
    let refused: { status: number };
    try {
      refused = await send(method, path, body);
    } finally {
      await rename('audits_gone', 'audits');
    }
    expect(refused.status).toBeGreaterThanOrEqual(500);
    if (stillValid) expect(await statusWithToken(h, '/consumer/account', stillValid)).toBe(200);
    const done = await send(method, path, body);
    expect(done.status, done.body.message).toBe(200);
  }

  /** a developer with the given role (and plan), and a token of theirs for `scopes` */
  async function developer(roleId: number, planId?: number) {
    const name = unique('dev');
    const password = `${name}-password`;
    const created = await send('POST', '/backend/user', {
      roleId,
      ...(planId ? { planId } : {}),
      name,
      email: `${name}@example.com`,
      password,
      status: 1,
    });
    expect(created.status, created.body.message).toBe(201);
    const tokenFor = async (scopes: string[]) => {
      const res = await h.fetch('/consumer/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, password, scopes }),
      });
      const answer = (await res.json()) as { token?: string; scope?: string };
      // what was asked for, each parent followed by the sub-scopes it covers
      const held = answer.scope
        ?.split(',')
        .filter((s) => !scopes.includes(s.split('.')[0] as string) || scopes.includes(s));
      expect(held?.sort()).toEqual([...scopes].sort());
      return String(answer.token);
    };
    return { id: Number(created.body.id), tokenFor };
  }

  beforeAll(async () => {
    h = await startHarness(database);
    token = await h.adminToken();
    for (const name of ['reports', 'exports', 'archive']) {
      expect((await send('POST', '/backend/scope', { name, description: name })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a role that no longer gives a scope: its users lose the tokens that carry it, and keep the others', async () => {
    const role = await send('POST', '/backend/role', { name: unique('Analyst'), scopes: ['consumer', 'reports'] });
    const dev = await developer(Number(role.body.id));
    const broad = await dev.tokenFor(['consumer', 'reports']);
    const narrow = await dev.tokenFor(['consumer']);

    await failingThenDone('PUT', `/backend/role/${role.body.id}`, { scopes: ['consumer'] }, broad);
    expect(await statusWithToken(h, '/consumer/account', broad)).toBe(401);
    expect(await statusWithToken(h, '/consumer/account', narrow)).toBe(200);
  });

  it('a plan that no longer gives a scope: its subscribers lose the tokens that carry it', async () => {
    const plan = await send('POST', '/backend/plan', { name: unique('Exports'), scopes: ['exports'] });
    const consumer = await h.portico.platform.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Consumer')
      .executeTakeFirstOrThrow();
    const dev = await developer(consumer.id, Number(plan.body.id));
    const broad = await dev.tokenFor(['consumer', 'exports']);
    const narrow = await dev.tokenFor(['consumer']);

    await failingThenDone('PUT', `/backend/plan/${plan.body.id}`, { scopes: [] }, broad);
    expect(await statusWithToken(h, '/consumer/account', broad)).toBe(401);
    expect(await statusWithToken(h, '/consumer/account', narrow)).toBe(200);
  });

  it('a deleted scope takes every token that carries it, so one made again under its name revives none', async () => {
    const role = await send('POST', '/backend/role', { name: unique('Archivist'), scopes: ['consumer', 'archive'] });
    const dev = await developer(Number(role.body.id));
    const broad = await dev.tokenFor(['consumer', 'archive']);
    const narrow = await dev.tokenFor(['consumer']);

    await failingThenDone('DELETE', '/backend/scope/~archive', undefined, broad);
    expect(await statusWithToken(h, '/consumer/account', broad)).toBe(401);
    expect(await statusWithToken(h, '/consumer/account', narrow)).toBe(200);
    expect((await send('POST', '/backend/scope', { name: 'archive', description: 'again' })).status).toBe(201);
    expect(await statusWithToken(h, '/consumer/account', broad)).toBe(401);
  });
});
