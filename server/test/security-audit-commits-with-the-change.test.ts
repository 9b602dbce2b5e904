import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { createLegacyDatabase, type LegacyDatabase } from './support/sql-legacy.js';

const databases = await systemDatabases();

/**
 * Issue 9, finding 9: an audit row written after the change commits can be lost (a crash between the
 * two), leaving a change nobody can trace. Here the audit row cannot be written at all — its table is
 * gone for the moment — and every backend write must then change nothing.
 */
interface Case {
  readonly label: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** the state the write would change, read straight from the database */
  readonly state: (h: Harness) => Promise<unknown>;
}

const static200 = { class: 'Fusio.Adapter.Util.Action.UtilStaticResponse', config: { response: '{"ok":true}' } };

const count = (table: string, where: string, value: string | number) => async (h: Harness) => {
  const row = await sql<{
    n: number;
  }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(where)} = ${value}`.execute(h.portico.platform.db);
  return Number(row.rows[0]?.n);
};

const column = (table: string, name: string, col: string) => async (h: Harness) => {
  const row = await sql<
    Record<string, unknown>
  >`select ${sql.ref(col)} as v from ${sql.table(table)} where name = ${name}`.execute(h.portico.platform.db);
  return row.rows[0]?.v;
};

const cases: Case[] = [
  // creates and updates first; deletes last, as later cases use what they delete
  {
    label: 'scope create',
    method: 'POST',
    path: '/backend/scope',
    body: { name: 'audit-new-scope', description: 'x' },
    state: count('scopes', 'name', 'audit-new-scope'),
  },
  {
    label: 'schema create',
    method: 'POST',
    path: '/backend/schema',
    body: { name: 'AuditNewSchema', source: { type: 'object' } },
    state: count('schemas', 'name', 'AuditNewSchema'),
  },
  {
    label: 'action create',
    method: 'POST',
    path: '/backend/action',
    body: { name: 'audit-new-action', ...static200 },
    state: count('actions', 'name', 'audit-new-action'),
  },
  {
    label: 'operation create',
    method: 'POST',
    path: '/backend/operation',
    body: { name: 'audit.new', httpMethod: 'GET', httpPath: '/audit-new', action: 'audit-action', public: true },
    state: count('operations', 'name', 'audit.new'),
  },
  {
    label: 'role create',
    method: 'POST',
    path: '/backend/role',
    body: { name: 'AuditNewRole', scopes: ['audit-scope'] },
    state: count('roles', 'name', 'AuditNewRole'),
  },
  {
    label: 'user create',
    method: 'POST',
    path: '/backend/user',
    body: { roleId: 3, name: 'auditnew', email: 'auditnew@example.com', password: 'audit-new-password' },
    state: count('users', 'name', 'auditnew'),
  },
  {
    label: 'app create',
    method: 'POST',
    path: '/backend/app',
    body: { userId: 1, name: 'audit-new-app', url: 'https://a.example', scopes: [] },
    state: count('apps', 'name', 'audit-new-app'),
  },
  {
    label: 'plan create',
    method: 'POST',
    path: '/backend/plan',
    body: { name: 'AuditNewPlan', price: 1, points: 1 },
    state: count('plans', 'name', 'AuditNewPlan'),
  },
  {
    label: 'rate create',
    method: 'POST',
    path: '/backend/rate',
    body: { name: 'AuditNewRate', priority: 5, rateLimit: 1000000, timespan: 'PT1M', allocation: [{}] },
    state: count('rates', 'name', 'AuditNewRate'),
  },
  {
    label: 'event create',
    method: 'POST',
    path: '/backend/event',
    body: { name: 'audit.new.event', description: 'x' },
    state: count('events', 'name', 'audit.new.event'),
  },
  {
    label: 'cronjob create',
    method: 'POST',
    path: '/backend/cronjob',
    body: { name: 'audit-new-cron', cron: '0 * * * *', action: 'audit-action' },
    state: count('cronjobs', 'name', 'audit-new-cron'),
  },
  {
    label: 'trigger create',
    method: 'POST',
    path: '/backend/trigger',
    body: { name: 'audit-new-trigger', event: 'audit.event', action: 'audit-action' },
    state: count('triggers', 'name', 'audit-new-trigger'),
  },
  {
    label: 'webhook create',
    method: 'POST',
    path: '/backend/webhook',
    body: { eventId: 1, name: 'audit-new-hook', endpoint: 'https://93.184.215.14/new' },
    state: count('webhooks', 'name', 'audit-new-hook'),
  },
  {
    label: 'connection create',
    method: 'POST',
    path: '/backend/connection',
    body: {
      name: 'audit-new-http',
      class: 'Fusio.Adapter.Http.Connection.Http',
      config: { url: 'https://api.example.com' },
    },
    state: count('connections', 'name', 'audit-new-http'),
  },
  {
    label: 'page create',
    method: 'POST',
    path: '/backend/page',
    body: { title: 'Audit new page', slug: 'audit-new-page', content: 'x' },
    state: count('pages', 'slug', 'audit-new-page'),
  },
  {
    label: 'generator run',
    method: 'POST',
    path: '/backend/generator/Fusio.Adapter.Sql.Generator.SqlTable',
    body: { path: '/audit-news', public: true, config: { connection: 'audit-legacy', table: 'audit_news' } },
    state: async (h) => [await count('schemas', 'status', 1)(h), await count('operations', 'status', 1)(h)],
  },
  {
    label: 'scope update',
    method: 'PUT',
    path: '/backend/scope/~audit-scope',
    body: { name: 'audit-scope', description: 'changed' },
    state: column('scopes', 'audit-scope', 'description'),
  },
  {
    label: 'schema update',
    method: 'PUT',
    path: '/backend/schema/~AuditSchema',
    body: { source: { type: 'string' } },
    state: column('schemas', 'AuditSchema', 'source'),
  },
  {
    label: 'action update',
    method: 'PUT',
    path: '/backend/action/~audit-action',
    body: { ...static200, config: { response: '{"ok":false}' } },
    state: column('actions', 'audit-action', 'config'),
  },
  {
    label: 'operation update',
    method: 'PUT',
    path: '/backend/operation/~audit.op',
    body: { description: 'changed' },
    state: column('operations', 'audit.op', 'description'),
  },
  {
    label: 'role update',
    method: 'PUT',
    path: '/backend/role/~AuditRole',
    body: { name: 'AuditRenamed' },
    state: count('roles', 'name', 'AuditRole'),
  },
  {
    label: 'user update',
    method: 'PUT',
    path: '/backend/user/~audituser',
    body: { email: 'changed@example.com' },
    state: column('users', 'audituser', 'email'),
  },
  {
    label: 'app update',
    method: 'PUT',
    path: '/backend/app/~audit-app',
    body: { url: 'https://changed.example' },
    state: column('apps', 'audit-app', 'url'),
  },
  {
    label: 'event update',
    method: 'PUT',
    path: '/backend/event/~audit.event',
    body: { description: 'changed' },
    state: column('events', 'audit.event', 'description'),
  },
  {
    label: 'cronjob update',
    method: 'PUT',
    path: '/backend/cronjob/~audit-cron',
    body: { cron: '5 * * * *' },
    state: column('cronjobs', 'audit-cron', 'cron'),
  },
  {
    label: 'trigger update',
    method: 'PUT',
    path: '/backend/trigger/~audit-trigger',
    body: { action: 'audit-unused-action' },
    state: column('triggers', 'audit-trigger', 'action'),
  },
  {
    label: 'webhook update',
    method: 'PUT',
    path: '/backend/webhook/~audit-hook',
    body: { endpoint: 'https://93.184.215.14/changed' },
    state: column('webhooks', 'audit-hook', 'endpoint'),
  },
  {
    label: 'account update',
    method: 'PUT',
    path: '/backend/account',
    body: { email: 'admin-changed@example.com' },
    state: async (h) =>
      (await sql<{ v: string }>`select email as v from users where id = 1`.execute(h.portico.platform.db)).rows[0]?.v,
  },
  {
    label: 'plan update',
    method: 'PUT',
    path: '/backend/plan/~AuditPlan',
    body: { points: 99 },
    state: column('plans', 'AuditPlan', 'points'),
  },
  {
    label: 'config update',
    method: 'PUT',
    path: '/backend/config/~info_title',
    body: { value: 'Changed title' },
    state: column('config', 'info_title', 'value'),
  },
  {
    label: 'scope delete',
    method: 'DELETE',
    path: '/backend/scope/~audit-scope',
    state: count('scopes', 'name', 'audit-scope'),
  },
  {
    label: 'schema delete',
    method: 'DELETE',
    path: '/backend/schema/~AuditSchema',
    state: count('schemas', 'name', 'AuditSchema'),
  },
  {
    label: 'action delete',
    method: 'DELETE',
    path: '/backend/action/~audit-unused-action',
    state: count('actions', 'name', 'audit-unused-action'),
  },
  {
    label: 'operation delete',
    method: 'DELETE',
    path: '/backend/operation/~audit.op',
    state: count('operations', 'name', 'audit.op'),
  },
  {
    label: 'webhook delete',
    method: 'DELETE',
    path: '/backend/webhook/~audit-hook',
    state: count('webhooks', 'name', 'audit-hook'),
  },
  {
    label: 'trigger delete',
    method: 'DELETE',
    path: '/backend/trigger/~audit-trigger',
    state: count('triggers', 'name', 'audit-trigger'),
  },
  {
    label: 'cronjob delete',
    method: 'DELETE',
    path: '/backend/cronjob/~audit-cron',
    state: count('cronjobs', 'name', 'audit-cron'),
  },
  {
    label: 'user delete',
    method: 'DELETE',
    path: '/backend/user/~audituser',
    state: count('users', 'name', 'audituser'),
  },
  { label: 'app delete', method: 'DELETE', path: '/backend/app/~audit-app', state: count('apps', 'name', 'audit-app') },
];

describe.each(databases)('a backend change and its audit row commit together, or neither does ($kind)', (database) => {
  let h: Harness;
  let token: string;
  let legacy: LegacyDatabase;

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await h.fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const rename = (from: string, to: string) =>
    sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(h.portico.platform.db);

  beforeAll(async () => {
    legacy = await createLegacyDatabase('sqlite');
    await legacy.query('CREATE TABLE audit_news (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(64) NOT NULL)');
    h = await startHarness(database);
    token = await h.adminToken();
    const setup: [string, string, unknown][] = [
      ['POST', '/backend/scope', { name: 'audit-scope', description: 'before' }],
      ['POST', '/backend/schema', { name: 'AuditSchema', source: { type: 'object' } }],
      ['POST', '/backend/action', { name: 'audit-action', ...static200 }],
      ['POST', '/backend/action', { name: 'audit-unused-action', ...static200 }],
      [
        'POST',
        '/backend/operation',
        { name: 'audit.op', httpMethod: 'GET', httpPath: '/audit-op', action: 'audit-action', public: true },
      ],
      ['POST', '/backend/role', { name: 'AuditRole', scopes: ['audit-scope'] }],
      [
        'POST',
        '/backend/user',
        { roleId: 3, name: 'audituser', email: 'audituser@example.com', password: 'audit-user-password' },
      ],
      ['POST', '/backend/app', { userId: 1, name: 'audit-app', url: 'https://before.example', scopes: [] }],
      ['POST', '/backend/plan', { name: 'AuditPlan', price: 1, points: 10 }],
      ['POST', '/backend/event', { name: 'audit.event', description: 'before' }],
      [
        'POST',
        '/backend/connection',
        { name: 'audit-legacy', class: 'Fusio.Adapter.Sql.Connection.Sql', config: legacy.sqlConfig },
      ],
      ['POST', '/backend/cronjob', { name: 'audit-cron', cron: '0 * * * *', action: 'audit-action' }],
      ['POST', '/backend/trigger', { name: 'audit-trigger', event: 'audit.event', action: 'audit-action' }],
      ['POST', '/backend/webhook', { eventId: 1, name: 'audit-hook', endpoint: 'https://93.184.215.14/hook' }],
    ];
    for (const [method, path, body] of setup) {
      const answer = await send(method, path, body);
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    }
  });
  afterAll(async () => {
    await h?.close();
    await legacy?.close();
  });

  it.each(cases)('$label changes nothing when its audit row cannot be written', async (c) => {
    const before = await c.state(h);
    await rename('audits', 'audits_gone');
    let answer: { status: number; text: string };
    try {
      answer = await send(c.method, c.path, c.body);
    } finally {
      await rename('audits_gone', 'audits');
    }
    expect(answer.status, answer.text).toBeGreaterThanOrEqual(500);
    expect(await c.state(h)).toEqual(before);
    // and with the audit table back, the same write goes through and is audited
    const retried = await send(c.method, c.path, c.body);
    expect(retried.status, retried.text).toBeLessThan(300);
  });
});
