import fs from 'node:fs';
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
import { type Harness, startHarness } from './support/harness.js';
import { loggedInDeveloper } from './support/portal-helpers.js';
import { untar } from './support/tarball.js';

// the browser drives the portal; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'sdk-page';

/** Each step: no serious accessibility violation, no script error, and a screenshot to look at. */
async function checkpoint(page: Page, errors: string[], step: string) {
  await screenshot(page, story, step);
  expect(await seriousViolations(page), step).toEqual([]);
  expect(errors, step).toEqual([]);
}

/** Clicks a download button and reads what the browser saved. */
async function download(page: Page, button: string): Promise<{ name: string; body: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const saved = await file.path();
  return { name: file.suggestedFilename(), body: fs.readFileSync(saved) };
}

describe.skipIf(!sqlite || !hasChromium)("the portal's SDK page downloads documents and the typed client", () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let developer: { name: string; password: string };

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    const backend = h.admin.backend();
    await backend
      .schema()
      .create({ name: 'Product', source: { type: 'object', properties: { sku: { type: 'string' } } } });
    await backend.action().create({
      name: 'product',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"sku":"A-1"}' },
    });
    const operation = { action: 'product', outgoing: 'Product' };
    await backend
      .operation()
      .create({ name: 'product.get', httpMethod: 'GET', httpPath: '/product/:sku', public: true, ...operation });
    await backend.operation().create({
      name: 'product.update',
      httpMethod: 'PUT',
      httpPath: '/product/:sku',
      incoming: 'Product',
      scopes: ['products'],
      ...operation,
    });
    await backend
      .operation()
      .create({ name: 'vault.read', httpMethod: 'GET', httpPath: '/vault', scopes: ['vault'], ...operation });
    const roles = await backend.role().getAll(0, 16, 'Consumer');
    const consumer = roles.entry?.find((r) => r.name === 'Consumer');
    await backend.role().update(String(consumer?.id), { scopes: [...(consumer?.scopes ?? []), 'products'] });
    developer = await loggedInDeveloper(h, 'sdk');
    browser = await launchChromium();
    const context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    errors = collectPageErrors(page);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('lists the downloads and gives a visitor the public part of the API', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SDK', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'SDK' }).waitFor();
    const table = page.getByRole('table', { name: 'Downloads' });
    await table.getByRole('rowheader', { name: 'TypeScript client' }).waitFor();
    expect(await table.getByRole('rowheader').allTextContents()).toEqual([
      'OpenAPI (JSON)',
      'OpenAPI (YAML)',
      'Markdown',
      'HTML',
      'TypeScript client',
    ]);
    await page.getByText('log in to include those your scopes open').waitFor();
    const markdown = await download(page, 'Download Markdown');
    expect(markdown.name).toBe('api.md');
    const text = markdown.body.toString('utf8');
    expect(text).toContain('product.get');
    expect(text).not.toContain('product.update');
    expect(text).not.toContain('vault');
    await page.getByRole('status').filter({ hasText: 'Downloaded api.md.' }).waitFor();
    await checkpoint(page, errors, '1-visitor');
  });

  it('gives a logged-in developer a client of what their scopes open, that installs as an npm package', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/login`);
    await page.getByLabel('User name or email').fill(developer.name);
    await page.getByLabel('Password', { exact: true }).fill(developer.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Apps' }).first().waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SDK', exact: true }).click();
    await page.getByText('They cover the public operations and those your scopes open.').waitFor();
    const client = await download(page, 'Download TypeScript client');
    expect(client.name).toMatch(/^portico-client-.+\.tgz$/);
    const files = await untar(client.body);
    const schema = files['package/src/schema.d.ts'] ?? '';
    expect(schema).toContain('"product.get"');
    expect(schema).toContain('"product.update"');
    expect(schema).not.toContain('vault');
    expect(files['package/README.md']).toContain('createApiClient');
    await page
      .getByRole('status')
      .filter({ hasText: `Downloaded ${client.name}.` })
      .waitFor();
    await checkpoint(page, errors, '2-developer');
  }, 60_000);

  it('shows the HTML reference as one page that loads nothing else', async () => {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${h.baseUrl}/system/generator/html`);
    await page.getByRole('heading', { level: 4, name: 'GET /product/{sku}' }).waitFor();
    expect(requests).toEqual([`${h.baseUrl}/system/generator/html`]);
    await checkpoint(page, errors, '3-html-reference');
  });
});
