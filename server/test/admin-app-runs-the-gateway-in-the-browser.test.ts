import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
} from './support/browser.js';
import { systemDatabases } from './support/databases.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';
import { roleId, unique } from './support/plan-helpers.js';

// the browser drives the admin app; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'admin-app';

describe.skipIf(!sqlite || !hasChromium)(
  'an administrator runs the gateway from the admin app',
  { timeout: 120_000 },
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let errors: string[];
    const prefix = unique('adm');
    const developer = { name: `${prefix}-dev`, password: 'a-developer-password' };
    let operationName = '';

    /** Each step: no serious accessibility violation, no script error, no sideways scrolling, a screenshot. */
    async function checkpoint(step: string) {
      await screenshot(page, story, step);
      expect(await seriousViolations(page), step).toEqual([]);
      expect(errors, step).toEqual([]);
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, `${step}: horizontal scrolling`).toBeLessThanOrEqual(0);
    }

    beforeAll(async () => {
      h = await startHarness(sqlite as NonNullable<typeof sqlite>);
      const backend = h.admin.backend();
      await backend.action().create({
        name: `${prefix}-action`,
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{"item":"found"}' },
      });
      operationName = `${prefix}_item`;
      await backend.operation().create({
        name: operationName,
        httpMethod: 'GET',
        httpPath: `/${prefix}/items/:item_id`,
        action: `${prefix}-action`,
        public: true,
      } as never);
      await backend.user().create({
        roleId: await roleId(h, 'Consumer'),
        status: 1,
        name: developer.name,
        email: `${developer.name}@example.com`,
        password: developer.password,
      });
      // a call the dashboard and the log must show
      const called = await h.fetch(`/${prefix}/items/7?from=story`, { headers: { 'x-story': 'find-me' } });
      expect(called.status).toBe(200);
      await h.flushLogs();
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      // password hashing (scrypt) is slow on a busy machine
      context.setDefaultTimeout(30_000);
      page = await context.newPage();
      errors = collectPageErrors(page);
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    const adminSession = async () =>
      JSON.parse((await page.evaluate<string | null>('localStorage.getItem("portico.admin.session")')) ?? 'null') as {
        token: string;
      } | null;

    it('sends a visitor to the login, and refuses a developer with a message saying why', async () => {
      await page.goto(`${h.baseUrl}/apps/fusio/`);
      await page.getByRole('heading', { name: 'Log in to the admin app' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/apps/backend/login');
      await page.getByLabel('User name or email').fill(developer.name);
      await page.getByRole('textbox', { name: 'Password' }).fill(developer.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('not an administrator');
      expect(await adminSession()).toBeNull();
      // nothing typed is lost
      expect(await page.getByLabel('User name or email').inputValue()).toBe(developer.name);
      await checkpoint('01-developer-refused');

      await page.getByRole('textbox', { name: 'Password' }).fill('wrong-password');
      await page.getByLabel('User name or email').fill('admin');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('Invalid name or password');
    });

    it('logs the administrator in to the dashboard, which shows the call that was made', async () => {
      await page.getByRole('textbox', { name: 'Password' }).fill(adminPassword);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect((await adminSession())?.token).toBeTruthy();
      // the navigation, in its groups
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const link of ['Dashboard', 'Logs', 'Audit trail', 'Console']) {
        await nav.getByRole('link', { name: link }).waitFor();
      }
      await nav.getByRole('heading', { name: 'System' }).waitFor();
      const requests = page.getByRole('link', { name: /^Requests \d+$/ });
      await expect.poll(() => requests.textContent(), { timeout: 20_000 }).toBe('Requests 1');
      await page
        .getByRole('region', { name: 'Latency per operation (p50, p95)' })
        .locator('.recharts-surface')
        .waitFor();
      expect(await page.getByRole('region', { name: 'Most used operations' }).textContent()).toContain(operationName);
      await checkpoint('02-dashboard');

      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      await page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
      await checkpoint('03-dashboard-dark');
      await page.getByRole('button', { name: 'Switch to light mode' }).click();
    });

    it('finds the call in the log from its chart, by filter, and shows its request', async () => {
      await page.getByRole('link', { name: 'Open the log: Requests per day' }).click();
      await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
      expect(new URL(page.url()).searchParams.get('from')).toMatch(/T00:00:00.000Z$/);
      await page.getByText('1 call, newest first.').waitFor();

      await page.getByLabel('Status').fill('5xx');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('No calls match.').waitFor();
      expect(new URL(page.url()).searchParams.get('status')).toBe('5xx');

      await page.getByLabel('Status').fill('200');
      await page.getByLabel('Path contains').fill('/items/7');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('1 call, newest first.').waitFor();
      await checkpoint('04-logs-filtered');

      await page.getByRole('link', { name: /^Call \d+ of / }).click();
      await page.getByRole('heading', { level: 1, name: /^Call \d+$/ }).waitFor();
      await page.getByRole('heading', { name: 'Request headers' }).waitFor();
      const detail = (await page.locator('main').textContent()) ?? '';
      expect(detail).toContain(`GET /${prefix}/items/7`);
      expect(detail).toContain('x-story: find-me');
      expect(detail).toContain('No error was recorded for this call.');
      await checkpoint('05-log-detail');
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      await page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
      await checkpoint('06-log-detail-dark');
      await page.getByRole('button', { name: 'Switch to light mode' }).click();
    });

    it('sends a request from the console as the admin and links the call in the log', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Console' }).click();
      await page.getByRole('heading', { level: 1, name: 'Console' }).waitFor();
      await page.getByPlaceholder('Search by name').fill(operationName);
      await page.getByRole('option', { name: new RegExp(operationName) }).click();
      await expect.poll(() => page.getByLabel('Path', { exact: true }).inputValue()).toBe(`/${prefix}/items/:item_id`);
      await page.getByRole('button', { name: 'Send' }).click();
      // a path parameter left empty is named, nothing is sent
      expect(await page.getByRole('alert').textContent()).toContain('item_id');
      await page.getByLabel('Path parameter item_id').fill('42');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByLabel('Status 200').waitFor();
      expect(await page.getByRole('region', { name: 'Response' }).textContent()).toContain('"item": "found"');
      const inLog = page.getByRole('link', { name: 'This call in the log' });
      await inLog.waitFor({ timeout: 15_000 });
      await checkpoint('07-console');
      await inLog.click();
      await page.getByRole('heading', { level: 1, name: /^Call \d+$/ }).waitFor();
      await page.getByRole('heading', { name: 'Request headers' }).waitFor();
      expect(await page.locator('main').textContent()).toContain(`GET /${prefix}/items/42`);
      // the admin's own call carried its token: the log names the caller
      expect(await page.locator('main').textContent()).toMatch(/user #\d+/);
    });

    it('shows the audit trail: who changed what, and what was sent', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
      await page.getByLabel('Change', { exact: true }).fill('backend.operation.create');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('1 change, newest first.').waitFor();
      await checkpoint('08-audit');
      await page.getByRole('link', { name: /^Change \d+ of / }).click();
      await page.getByRole('heading', { level: 1, name: /^Change \d+$/ }).waitFor();
      await page.getByRole('heading', { name: 'What was sent' }).waitFor();
      const detail = (await page.locator('main').textContent()) ?? '';
      expect(detail).toContain('backend.operation.create');
      expect(detail).toContain(`"httpPath": "/${prefix}/items/:item_id"`);
      await checkpoint('09-audit-detail');
    });

    it('logs out and revokes the token', async () => {
      const token = (await adminSession())?.token as string;
      expect((await h.fetch('/backend/account', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      await page.getByRole('link', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Logged out' }).waitFor();
      expect(await adminSession()).toBeNull();
      await expect
        .poll(
          async () => (await h.fetch('/backend/account', { headers: { authorization: `Bearer ${token}` } })).status,
          {
            timeout: 5_000,
          },
        )
        .toBe(401);
      // a deep link now asks for the login and comes back after it
      await page.goto(`${h.baseUrl}/apps/backend/logs`);
      await page.getByRole('heading', { name: 'Log in to the admin app' }).waitFor();
      expect(new URL(page.url()).searchParams.get('return')).toBe('/logs');
    });
  },
);
