import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

/**
 * Issue 9, finding 9, for connections, identity providers, settings and pages: while the audit row cannot
 * be written (its table is gone for the moment) every write of theirs answers 5xx and changes nothing;
 * with the table back the same write goes through and its audit row names what it changed.
 */
interface Case {
  readonly label: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** the audit event the write records */
  readonly event: string;
  /** the state the write would change, read straight from the database */
  readonly state: (h: Harness) => Promise<unknown>;
}

const httpClass = 'Fusio.Adapter.Http.Connection.Http';
const githubClass = 'Fusio.Impl.Provider.Identity.Github';
const githubConfig = { client_id: 'audit-client', client_secret: 'audit-secret' };

const rows = (table: string, column: string, value: string) => async (h: Harness) =>
  (
    await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(
      h.portico.platform.db,
    )
  ).rows.map((row) => ({ ...row }));

const cases: Case[] = [
  {
    label: 'connection update',
    method: 'PUT',
    path: '/backend/connection/~audit-http',
    body: { config: { url: 'https://changed.example.com' } },
    event: 'backend.connection.update',
    state: rows('connections', 'name', 'audit-http'),
  },
  {
    label: 'identity create',
    method: 'POST',
    path: '/backend/identity',
    body: { name: 'audit-new-identity', class: githubClass, config: githubConfig },
    event: 'backend.identity.create',
    state: rows('identities', 'name', 'audit-new-identity'),
  },
  {
    label: 'identity update',
    method: 'PUT',
    path: '/backend/identity/~audit-identity',
    body: { allowCreate: false, config: { ...githubConfig, client_id: 'changed' } },
    event: 'backend.identity.update',
    state: rows('identities', 'name', 'audit-identity'),
  },
  {
    label: 'secret setting update',
    method: 'PUT',
    path: '/backend/config/~recaptcha_secret',
    body: { value: 'audit-captcha-secret' },
    event: 'backend.config.update',
    state: rows('config', 'name', 'recaptcha_secret'),
  },
  {
    label: 'page update',
    method: 'PUT',
    path: '/backend/page/~audit-page',
    body: { title: 'Changed', slug: 'audit-page-moved', status: 2 },
    event: 'backend.page.update',
    state: rows('pages', 'slug', 'audit-page'),
  },
  {
    label: 'page delete',
    method: 'DELETE',
    path: '/backend/page/~audit-page-moved',
    event: 'backend.page.delete',
    state: rows('pages', 'slug', 'audit-page-moved'),
  },
  {
    label: 'identity delete',
    method: 'DELETE',
    path: '/backend/identity/~audit-identity',
    event: 'backend.identity.delete',
    state: rows('identities', 'name', 'audit-identity'),
  },
  {
    label: 'connection delete',
    method: 'DELETE',
    path: '/backend/connection/~audit-http',
    event: 'backend.connection.delete',
    state: rows('connections', 'name', 'audit-http'),
  },
];

describe.each(databases)(
  'connections, identities, settings and pages change with their audit row or not at all ($kind)',
  (database) => {
    let h: Harness;
    let token: string;
    let appId: number;

    const send = async (method: string, path: string, body?: unknown) => {
      const res = await h.fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as { id?: string; message?: string } };
    };
    const rename = (from: string, to: string) =>
      sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(h.portico.platform.db);
    const withApp = (body: unknown) =>
      body && typeof body === 'object' && (body as { class?: string }).class === githubClass
        ? { appId, ...(body as object) }
        : body;

    beforeAll(async () => {
      h = await startHarness(database);
      token = await h.adminToken();
      const app = await send('POST', '/backend/app', {
        userId: 1,
        name: 'audit-portal',
        url: 'https://portal.example.com',
        scopes: [],
      });
      appId = Number(app.json.id);
      const setup: [string, string, unknown][] = [
        ['POST', '/backend/connection', { name: 'audit-http', class: httpClass, config: { url: 'https://a.example' } }],
        ['POST', '/backend/identity', { appId, name: 'audit-identity', class: githubClass, config: githubConfig }],
        ['POST', '/backend/page', { title: 'Audit page', slug: 'audit-page', content: 'before' }],
      ];
      for (const [method, path, body] of setup) {
        const answer = await send(method, path, body);
        if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
      }
    });
    afterAll(async () => {
      await h?.close();
    });

    it.each(cases)('$label changes nothing when its audit row cannot be written', async (c) => {
      const body = withApp(c.body);
      const before = await c.state(h);
      await rename('audits', 'audits_gone');
      let answer: { status: number; json: unknown };
      try {
        answer = await send(c.method, c.path, body);
      } finally {
        await rename('audits_gone', 'audits');
      }
      expect(answer.status, JSON.stringify(answer.json)).toBeGreaterThanOrEqual(500);
      expect(await c.state(h)).toEqual(before);

      const retried = await send(c.method, c.path, body);
      expect(retried.status, JSON.stringify(retried.json)).toBeLessThan(300);
      const audit = await h.portico.platform.db
        .selectFrom('audits')
        .select(['ref_id', 'content'])
        .where('event', '=', c.event)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(String(audit.ref_id)).toBe(retried.json.id);
      // credentials stay out of the audit log, whatever the entity
      expect(audit.content ?? '').not.toMatch(/audit-secret|audit-captcha-secret/);
    });
  },
);
