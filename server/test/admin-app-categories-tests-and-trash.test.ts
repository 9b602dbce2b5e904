import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  logInToAdminApp,
  requireChromium,
  screenshot,
  seriousViolations,
} from './support/browser.js';
import { systemDatabases } from './support/databases.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';

// the browser drives the admin app; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'admin-categories-tests-and-trash';

describe.skipIf(!sqlite || !hasChromium)(
  'an administrator keeps categories, runs the operation tests and restores from the trash',
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let errors: string[];
    const app = (path = '') => `${h.baseUrl}/apps/backend/${path}`;
    const nav = () => page.getByRole('navigation', { name: 'Main' });

    async function checkpoint(step: string) {
      // no hover colours in the picture or the contrast check
      await page.mouse.move(0, 0);
      await screenshot(page, story, step);
      expect(await seriousViolations(page), step).toEqual([]);
      expect(errors, step).toEqual([]);
    }

    beforeAll(async () => {
      h = await startHarness(sqlite as NonNullable<typeof sqlite>);
      const backend = h.admin.backend();
      await backend.schema().create({
        name: 'Thing',
        source: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      });
      const action = (name: string, response: string) =>
        backend.action().create({ name, class: 'Fusio.Adapter.Util.Action.UtilStaticResponse', config: { response } });
      await action('thing-get', '{"id":7}');
      await action('thing-broken', '{"id":"seven"}');
      await backend.operation().create({
        name: 'thing.get',
        httpMethod: 'GET',
        httpPath: '/thing',
        httpCode: 200,
        action: 'thing-get',
        outgoing: 'schema://Thing',
        public: true,
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
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      errors = collectPageErrors(page);
      await logInToAdminApp(page, h.baseUrl, adminPassword);
      await nav().getByRole('link', { name: 'Categories' }).waitFor();
    });
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    it('creates a category, refuses a taken name under its field, and shows the built-in ones locked', async () => {
      await nav().getByRole('link', { name: 'Categories' }).click();
      await page.getByRole('heading', { name: 'Categories', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'default' }).waitFor();
      await checkpoint('01-categories');

      await page.getByRole('link', { name: 'Create category' }).click();
      const name = page.getByLabel('Name', { exact: true });
      await name.fill('backend');
      await page.getByRole('button', { name: 'Create category' }).click();
      await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
      await checkpoint('02-category-name-taken');
      await name.fill('billing');
      await page.getByRole('button', { name: 'Create category' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /created/i })
        .first()
        .waitFor();
      expect((await h.admin.backend().category().get('~billing')).name).toBe('billing');

      await page.goto(app('categories'));
      await page.getByRole('link', { name: 'system' }).click();
      await page.getByRole('note').filter({ hasText: 'cannot be renamed or deleted' }).waitFor();
      await checkpoint('03-category-built-in');
    });

    it('refreshes and runs every test: one passes, one fails on purpose, the status shows per row', async () => {
      await nav().getByRole('link', { name: 'Tests' }).click();
      await page.getByRole('heading', { name: 'Tests', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Refresh tests' }).click();
      await page.getByRole('status').filter({ hasText: 'Tests successfully refreshed' }).waitFor();
      await page.getByRole('link', { name: 'thing.get' }).waitFor();
      await checkpoint('04-tests-pending');

      await page.getByRole('button', { name: 'Run all' }).click();
      await page.getByRole('status').filter({ hasText: 'Tests successfully executed' }).waitFor();
      const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name }) });
      await row('thing.get').getByText('success').waitFor();
      await row('thing.broken').getByText('error').waitFor();
      await expect
        .poll(() => row('thing.broken').textContent())
        .toContain('The response does not match the outgoing schema');
      await checkpoint('05-tests-run');

      await page.getByRole('link', { name: 'thing.broken' }).click();
      await page.getByRole('heading', { name: 'Last run' }).waitFor();
      expect(await page.getByLabel('Last response').textContent()).toBe('{"id":"seven"}');
      await checkpoint('06-test-detail');
    });

    it('deletes an operation, finds it in the trash and restores it: it serves again', async () => {
      expect((await h.fetch('/thing')).status).toBe(200);
      const op = await h.admin.backend().operation().get('~thing.get');
      await h.admin.backend().operation().delete(String(op.id));
      expect((await h.fetch('/thing')).status).toBe(404);

      await nav().getByRole('link', { name: 'Trash' }).click();
      await page.getByRole('heading', { name: 'Trash', level: 1 }).waitFor();
      await page.getByRole('tab', { name: 'operation' }).click();
      await page.getByRole('cell', { name: 'thing.get', exact: true }).waitFor();
      await checkpoint('07-trash');

      await page.getByRole('button', { name: 'Restore operation thing.get' }).click();
      await page.getByRole('status').filter({ hasText: 'Restore successful' }).waitFor();
      await page.getByText('No deleted operations.').waitFor();
      expect((await h.fetch('/thing')).status).toBe(200);
      await checkpoint('08-trash-restored');
    });
  },
);
