import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendPage, ConsumerPage } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformOperations } from '../src/api/index.js';
import { openDatabase } from '../src/db/database.js';
import { createMigrator } from '../src/db/migrate.js';
import { installDefaults } from '../src/runtime/seed.js';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { jsonRequest, loggedInDeveloper, setConfig } from './support/portal-helpers.js';

const databases = await systemDatabases();
const defaultSlugs = ['overview', 'getting-started', 'authorization', 'api', 'sdk', 'support', 'terms'];

describe.each(databases)('the developer portal reads its pages from the Page API ($kind)', (database) => {
  let h: Harness;
  let admin: string;
  let developer: Awaited<ReturnType<typeof loggedInDeveloper>>;
  const pageCount = async () =>
    Number(
      (
        await h.portico.platform.db
          .selectFrom('pages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    h = await startHarness(database);
    admin = await h.adminToken();
    developer = await loggedInDeveloper(h, 'pages');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a fresh install has the default pages; the home page is readable by slug but listed nowhere', async () => {
    const pages = h.anonymous().consumer().page();
    const listed = await pages.getAll();
    expect(listed.entry?.map((p) => p.slug)).toEqual([
      'api',
      'authorization',
      'getting-started',
      'sdk',
      'support',
      'terms',
    ]);
    expect(listed.totalResults).toBe(6);
    expect(listed.entry?.[0]).not.toHaveProperty('content');

    const overview = await pages.get('~overview');
    expect(overview).toMatchObject({ slug: 'overview', title: 'Overview' });
    expect(overview.content).toContain(`${h.baseUrl}/system/openapi`);
    expect(overview.content).not.toMatch(/\{(base_url|portal_url|title|contact[a-z_]*)\}/);
    expect(await pages.get(String(overview.id))).toEqual(overview);

    const backend = await h.admin.backend().page().getAll(0, 50);
    expect(backend.entry?.map((p) => p.slug).sort()).toEqual([...defaultSlugs].sort());
    expect(backend.entry?.find((p) => p.slug === 'overview')?.status).toBe(2);
  });

  it('every default page explains this installation with its own URLs, and none keeps a placeholder', async () => {
    for (const slug of defaultSlugs) {
      const page = await h.anonymous().consumer().page().get(`~${slug}`);
      expect(page.content?.length, slug).toBeGreaterThan(200);
      expect(page.content, slug).not.toMatch(/\{(base_url|portal_url|title|contact_email|contact_url|contact)\}/);
    }
    const started = await h.anonymous().consumer().page().get('~getting-started');
    expect(started.content).toContain(`curl -s -X POST '${h.baseUrl}/authorization/token'`);
    expect(started.content).toContain(`${h.baseUrl}/apps/developer/register`);
    const auth = await h.anonymous().consumer().page().get('~authorization');
    expect(auth.content).toMatch(/code_challenge_method=S256/);
    expect(auth.content).toMatch(/grant_type=refresh_token/);
    const api = await h.anonymous().consumer().page().get('~api');
    expect(api.content).toMatch(/429/);
    expect(api.content).toMatch(/Retry-After/);
    expect(api.content).toContain('"success": false');
  });

  it('placeholders take the current settings when the page is read; admins see and edit the raw text', async () => {
    const raw = await h.admin.backend().page().get('~support');
    expect(raw.content).toContain('{contact}');
    const before = await h.anonymous().consumer().page().get('~support');
    expect(before.content).toContain('has not published contact details');

    await setConfig(h, 'info_title', 'Acme Widgets API');
    await setConfig(h, 'info_contact_email', 'api@acme.test');
    await setConfig(h, 'info_contact_name', 'Acme API team');
    try {
      const support = await h.anonymous().consumer().page().get('~support');
      expect(support.content).toContain('Contact Acme API team by mail to [api@acme.test](mailto:api@acme.test).');
      const overview = await h.anonymous().consumer().page().get('~overview');
      expect(overview.content).toMatch(/^# Acme Widgets API/);
      expect((await h.admin.backend().page().get('~overview')).content).toMatch(/^# \{title\}/);
    } finally {
      await setConfig(h, 'info_title', 'Portico');
      await setConfig(h, 'info_contact_email', '');
      await setConfig(h, 'info_contact_name', '');
    }
  });

  it('an admin creates, renames, hides and deletes a page; its slug survives a new title', async () => {
    const backend = h.admin.backend().page();
    const created = await backend.create({
      title: 'Rate Limits & Quotas — Ünïcode',
      content: 'Calls per **hour**: {title}',
    });
    expect(created).toMatchObject({ success: true });
    const id = String(created.id);
    const page = await backend.get(id);
    expect(page).toMatchObject({
      status: 1,
      slug: 'rate-limits-quotas-unicode',
      content: 'Calls per **hour**: {title}',
    });
    expect(await h.anonymous().consumer().page().get('~rate-limits-quotas-unicode')).toMatchObject({
      id: Number(id),
      content: 'Calls per **hour**: Portico',
    });

    await backend.update(id, { title: 'Quotas', metadata: { order: '3' } });
    expect(await backend.get(id)).toMatchObject({
      title: 'Quotas',
      slug: 'rate-limits-quotas-unicode',
      metadata: { order: '3' },
    });
    await backend.update(`~rate-limits-quotas-unicode`, { slug: 'quotas', status: 2 });
    const consumer = h.anonymous().consumer().page();
    expect(await consumer.get('~quotas')).toMatchObject({ title: 'Quotas', metadata: { order: '3' } });
    expect((await consumer.getAll()).entry?.map((p) => p.slug)).not.toContain('quotas');

    await backend.delete('~quotas');
    expect((await sdkError(consumer.get(id))).message).toBe('Could not find page');
    expect((await sdkError(backend.get(id))).message).toBe('Could not find page');
    expect((await sdkError(backend.delete(id))).message).toBe('Could not find page');
  });

  it('refuses bad pages with a clear 4xx and changes nothing', async () => {
    const before = await pageCount();
    const post = (body: unknown) => jsonRequest(h, 'POST', '/backend/page', admin, body);
    const refused: [unknown, number, RegExp][] = [
      [{ content: 'no title' }, 400, /title/],
      [{ title: '   ' }, 400, /title must not be empty/],
      [{ title: 'x'.repeat(256) }, 400, /at most 255/],
      [{ title: 'Bad', slug: 'Has Spaces' }, 400, /Invalid page slug/],
      [{ title: 'Bad', slug: '../admin' }, 400, /Invalid page slug/],
      [{ title: 'Bad', slug: 'a--b' }, 400, /Invalid page slug/],
      [{ title: '!!!' }, 400, /give the page a slug/],
      [{ title: 'Huge', content: 'x'.repeat(100_001) }, 400, /at most 100000/],
      [{ title: 'Gone', status: 0 }, 400, /status must be 1/],
      [{ title: 'Odd', status: 7 }, 400, /status must be 1/],
      [{ title: 'Meta', metadata: { order: 3 } }, 400, /.+/],
      [{ title: 'Overview' }, 409, /slug "overview" is taken/],
      [{ title: 'Other', slug: 'sdk' }, 409, /slug "sdk" is taken/],
    ];
    for (const [body, status, text] of refused) {
      const res = await post(body);
      const json = (await res.json()) as { success: boolean; message: string };
      expect([JSON.stringify(body).slice(0, 60), res.status]).toEqual([JSON.stringify(body).slice(0, 60), status]);
      expect(json.success).toBe(false);
      expect(json.message).toMatch(text);
    }
    const taken = await jsonRequest(h, 'PUT', '/backend/page/~terms', admin, { slug: 'support' });
    expect(taken.status).toBe(409);
    const emptied = await jsonRequest(h, 'PUT', '/backend/page/~terms', admin, { title: '' });
    expect(emptied.status).toBe(400);
    expect(await pageCount()).toBe(before);
    expect((await h.admin.backend().page().get('~terms')).title).toBe('Terms of use');
  });

  it('developers, apps and strangers cannot change pages; a plain or oddly cased slug names no page', async () => {
    for (const token of [null, developer.token]) {
      const created = await jsonRequest(h, 'POST', '/backend/page', token, { title: 'Mine now' });
      expect(created.status).toBe(token ? 403 : 401);
      const changed = await jsonRequest(h, 'PUT', '/backend/page/~overview', token, {
        content: '<script>alert(1)</script>',
      });
      expect(changed.status).toBe(token ? 403 : 401);
      const deleted = await jsonRequest(h, 'DELETE', '/backend/page/~terms', token);
      expect(deleted.status).toBe(token ? 403 : 401);
      const read = await jsonRequest(h, 'GET', '/backend/page/~overview', token);
      expect(read.status).toBe(token ? 403 : 401);
    }
    expect((await h.admin.backend().page().get('~overview')).content).not.toContain('<script>');
    const consumer = h.anonymous().consumer().page();
    expect((await sdkError(consumer.get('overview'))).message).toBe('Could not find page');
    expect((await sdkError(consumer.get('~Overview'))).message).toBe('Could not find page');
    expect((await sdkError(consumer.get('~nope'))).message).toBe('Could not find page');
    // a broken escape is refused before any page is looked up
    expect((await h.fetch('/consumer/page/~%E0%A4%A')).status).toBe(400);
  });

  it('serves page content as JSON only, never as a document a browser would run', async () => {
    const created = await h.admin
      .backend()
      .page()
      .create({ title: 'Hostile', content: '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>' });
    try {
      const res = await h.fetch('/consumer/page/~hostile', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = (await res.json()) as ConsumerPage;
      // stored as given: the portal renders Markdown through a sanitiser
      expect(page.content).toBe('<script>alert(document.cookie)</script><img src=x onerror=alert(1)>');
      const list = await h.fetch('/consumer/page', { headers: { accept: 'text/html' } });
      expect(list.headers.get('content-type')).toMatch(/^application\/json/);
      expect(list.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await h.admin.backend().page().delete(String(created.id));
    }
  });
});

describe('an existing installation gets the default pages when it upgrades', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-pages-'));
  const url = `sqlite:${path.join(dir, 'old.db')}`;
  let h: Harness;

  beforeAll(async () => {
    // the install as it was before pages: every migration up to the one that adds them, and its defaults
    const sdb = openDatabase(url);
    await (await createMigrator(sdb)).migrateTo('2026-11-28j-changes');
    await installDefaults(
      sdb,
      platformOperations.filter((op) => !op.name.includes('.page.')),
    );
    await sdb.close();
    const existing: TestDatabase = { kind: 'sqlite', create: async () => ({ url, drop: async () => {} }) };
    h = await startHarness(existing);
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has every default page after the upgrade', async () => {
    const pages: BackendPage[] = (await h.admin.backend().page().getAll(0, 50)).entry ?? [];
    expect(pages.map((p) => p.slug).sort()).toEqual([...defaultSlugs].sort());
    expect((await h.anonymous().consumer().page().get('~getting-started')).content).toContain(h.baseUrl);
  });
});
