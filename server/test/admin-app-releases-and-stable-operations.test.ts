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
const story = 'admin-releases-and-stable-operations';

describe.skipIf(!sqlite || !hasChromium)('an administrator releases the API and keeps stable operations frozen', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const nav = () => page.getByRole('navigation', { name: 'Main' });

  async function checkpoint(step: string) {
    await screenshot(page, story, step);
    expect(await seriousViolations(page), step).toEqual([]);
    expect(errors, step).toEqual([]);
  }

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    const backend = h.admin.backend();
    await backend.action().create({
      name: 'price-list',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: JSON.stringify({ prices: [1, 2] }) },
    });
    await backend.operation().create({
      name: 'price.getAll',
      httpMethod: 'GET',
      httpPath: '/prices',
      action: 'price-list',
      public: true,
      stability: 2,
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    errors = collectPageErrors(page);
    await logInToAdminApp(page, h.baseUrl, adminPassword);
    await nav().getByRole('link', { name: 'Releases' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows a stable operation read-only but for its stability, and deprecates it', async () => {
    await nav().getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('link', { name: 'price.getAll' }).click();
    await page.getByRole('heading', { name: 'Operation price.getAll', level: 1 }).waitFor();
    const note = page.getByRole('note');
    await note.waitFor();
    expect(await note.textContent()).toContain('pinned to the versions it serves');
    expect(await page.getByLabel('HTTP path').isDisabled()).toBe(true);
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    const action = page.getByRole('textbox', { name: 'Action' });
    expect(await action.isDisabled()).toBe(true);
    expect(await action.inputValue()).toMatch(/^action:\/\/price-list@[0-9a-f]{64}$/);
    expect(await page.getByRole('combobox', { name: 'Stability', exact: true }).isDisabled()).toBe(false);
    await checkpoint('01-stable-operation');

    await page.getByRole('combobox', { name: 'Stability', exact: true }).click();
    await page.getByRole('option', { name: 'Deprecated', exact: true }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /updated/i })
      .first()
      .waitFor();
    const op = await h.admin.backend().operation().get('~price.getAll');
    expect(op).toMatchObject({ stability: 0, httpPath: '/prices' });
    const res = await h.fetch('/prices');
    expect(res.headers.get('x-stability')).toBe('deprecated');
    expect(res.headers.get('deprecation')).toMatch(/^@\d+$/);
    await checkpoint('02-deprecated');
  });

  it('releases 1.0.0 from the Releases screen and refuses it twice', async () => {
    await nav().getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('heading', { name: 'Releases', level: 1 }).waitFor();
    await page.getByText('No release yet.').waitFor();
    await checkpoint('03-no-release');

    const version = page.getByLabel('Version');
    await version.fill('1.0');
    await page.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => version.getAttribute('aria-invalid')).toBe('true');

    await version.fill('1.0.0');
    await page.getByRole('button', { name: 'Release' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Release 1\.0\.0 successfully created/ })
      .waitFor();
    const table = page.getByRole('table', { name: 'Releases' });
    await table.getByRole('cell', { name: '1.0.0' }).waitFor();
    await checkpoint('04-released');

    await version.fill('1.0.0');
    await page.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => version.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText(/exists already/).count()).toBeGreaterThan(0);
    await checkpoint('05-refused-twice');
  });
});
