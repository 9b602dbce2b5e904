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
import { requireService } from './support/services.js';
import { createLegacyDatabase, type LegacyDatabase } from './support/sql-legacy.js';

// the browser drives the admin app; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const hasPostgres = await requireService('PostgreSQL', '127.0.0.1', 5432);
const story = 'admin-builds-an-api';

/**
 * An operator turns a legacy PostgreSQL table into a live API from the browser: a connection made
 * with the form its type describes, the table browsed, CRUD operations generated, an action's config
 * changed through its rendered form (and the operation answers differently at once), a portal page
 * edited with its preview, a setting changed.
 */
describe.skipIf(!sqlite || !hasChromium || !hasPostgres)(
  'the admin app builds an API from a database',
  { timeout: 120_000 },
  () => {
    let h: Harness;
    let legacy: LegacyDatabase;
    let browser: Browser;
    let page: Page;
    let errors: string[];
    let connectionId = '';

    /** Each step: no serious accessibility violation, no script error, and a screenshot to look at. */
    async function checkpoint(step: string) {
      await screenshot(page, story, step);
      expect(await seriousViolations(page), step).toEqual([]);
      expect(errors, step).toEqual([]);
    }

    /** Opens a Mantine select by its label and picks an option. */
    async function choose(label: string, option: string) {
      try {
        await page.getByLabel(label, { exact: true }).first().click();
        await page.getByRole('option', { name: option, exact: true }).click();
      } catch (error) {
        console.log(await page.locator('main').ariaSnapshot());
        throw error;
      }
    }

    async function callApi(path: string) {
      const res = await h.fetch(path);
      return { status: res.status, body: (await res.json()) as { totalResults?: number; entry?: { id: number }[] } };
    }

    beforeAll(async () => {
      legacy = await createLegacyDatabase('postgres');
      await legacy.query(
        'CREATE TABLE catalog_items (id SERIAL PRIMARY KEY, title VARCHAR(64) NOT NULL, price NUMERIC(8,2) NULL)',
      );
      await legacy.query(
        "INSERT INTO catalog_items (title, price) VALUES ('Kettle', 24.5), ('Teapot', 31), ('Mug', 7.25)",
      );
      h = await startHarness(sqlite as NonNullable<typeof sqlite>);
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
      errors = collectPageErrors(page);
    });

    afterAll(async () => {
      await browser?.close();
      await h?.close();
      await legacy?.close();
    });

    it('logs in as the administrator', async () => {
      await logInToAdminApp(page, h.baseUrl, adminPassword);
      await page.getByRole('link', { name: 'Connections' }).waitFor();
    });

    it('creates a connection to PostgreSQL with the form of its type', async () => {
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
      await checkpoint('00-connections');
      await page.getByRole('link', { name: 'Create connection' }).click();
      await page.getByLabel('Name', { exact: true }).fill('legacy');
      await choose('Connection type', 'SQL (Fusio.Adapter.Sql.Connection.Sql)');
      // the fields below come from GET /backend/connection/form: no screen code knows them
      await choose('Type', 'PostgreSQL');
      const config = legacy.sqlConfig;
      await page.getByLabel('Host', { exact: true }).fill(String(config.host));
      await page.getByLabel('Port', { exact: true }).fill('70000');
      await page.getByLabel('Username', { exact: true }).fill(String(config.username));
      await page.getByLabel('Database', { exact: true }).fill(String(config.database));
      await checkpoint('01-connection-form');
      await page.getByRole('button', { name: 'Create connection' }).click();
      // the API's refusal stands next to the field it names; what was typed stays
      const port = page.getByLabel('Port', { exact: true });
      await expect.poll(() => port.getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => page.getByText(/property \/port/).count()).toBe(1);
      expect(await page.getByLabel('Database', { exact: true }).inputValue()).toBe(config.database);
      await checkpoint('02-connection-refused');
      await port.fill(String(config.port));
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByText('The connection works with these settings (nothing was saved).').waitFor();
      expect((await h.admin.backend().connection().getAll(0, 10)).totalResults).toBe(0);
      await page.getByRole('button', { name: 'Create connection' }).click();
      await page.getByText('The connection was created.').waitFor();
      connectionId = /connections\/(\d+)/.exec(page.url())?.[1] ?? '';
      expect(connectionId).not.toBe('');
      await checkpoint('03-connection-created');
    });

    it('browses the tables, columns and rows of the connection', async () => {
      await page.getByRole('link', { name: 'Browse database' }).click();
      await page.getByRole('navigation', { name: 'Tables' }).getByRole('link', { name: 'catalog_items' }).click();
      await page.getByRole('heading', { name: 'Table catalog_items' }).waitFor();
      const columns = page.getByRole('table', { name: 'Columns of catalog_items' });
      await expect.poll(() => columns.getByRole('row').count()).toBe(4);
      const rows = page.getByRole('table', { name: 'Rows of catalog_items' });
      await rows.getByText('Teapot').waitFor();
      expect(await rows.getByRole('row').count()).toBe(4);
      await checkpoint('04-database-browser');
    });

    it('generates CRUD operations from the table and calls one', async () => {
      await page.getByRole('link', { name: 'Generate from a database' }).click();
      await page.getByRole('heading', { name: 'Generate from a database', level: 1 }).waitFor();
      await choose('SQL connection', 'legacy');
      await page.getByRole('checkbox', { name: 'catalog_items' }).check();
      await page.getByLabel('Base path').fill('/shop');
      await page.getByRole('checkbox', { name: /^Public/ }).check();
      await page.getByRole('button', { name: 'Preview' }).click();
      const planned = page.getByRole('table', { name: 'Operations that will be created' });
      await planned.waitFor();
      expect(await planned.getByRole('row').count()).toBe(6);
      await planned.getByText('/shop/catalog_items/:id').first().waitFor();
      // nothing exists before the step is confirmed
      expect((await callApi('/shop/catalog_items')).status).toBe(404);
      await checkpoint('05-generator-preview');
      await page.getByRole('button', { name: 'Create 5 operations' }).click();
      await page.getByText('Created 5 operations').waitFor();
      await checkpoint('06-generator-done');

      const list = await callApi('/shop/catalog_items');
      expect(list.status).toBe(200);
      expect(list.body.totalResults).toBe(3);
      expect(list.body.entry?.map((r) => r.id)).toEqual([3, 2, 1]);
    });

    it("edits the generated action's config through its rendered form and the operation changes at once", async () => {
      await page.getByRole('link', { name: 'Actions' }).click();
      await page.getByRole('link', { name: 'Shop_Catalog_items_SQL_Get', exact: true }).waitFor();
      await checkpoint('07-actions');
      await page.getByLabel('Search actions').fill('Catalog_items_SQL_GetAll');
      await page.getByRole('link', { name: 'Shop_Catalog_items_SQL_GetAll' }).click();
      const limit = page.getByLabel('Limit', { exact: true });
      await limit.waitFor();
      expect(await page.getByLabel('Connection', { exact: true }).first().inputValue()).toBe('legacy');
      expect(await page.getByLabel('Table', { exact: true }).inputValue()).toBe('catalog_items');
      await checkpoint('08-action-form');

      await limit.fill('0');
      await choose('Order direction', 'Ascending');
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => limit.getAttribute('aria-invalid')).toBe('true');
      await page.getByText(/Action config: property \/limit must be >= 1/).waitFor();
      expect(await page.getByLabel('Order direction', { exact: true }).first().inputValue()).toBe('Ascending');
      await checkpoint('09-action-refused');

      await limit.fill('2');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The action was saved.').waitFor();
      const list = await callApi('/shop/catalog_items');
      expect(list.status).toBe(200);
      expect(list.body.entry?.map((r) => r.id)).toEqual([1, 2]);

      // the saved action runs from the screen too
      await page.getByRole('button', { name: 'Run action' }).click();
      await page.getByLabel('Response body').getByText('Kettle').waitFor();
      await checkpoint('10-action-saved-and-run');
    });

    it('shows a schema with its example', async () => {
      await page.getByRole('link', { name: 'Schemas' }).click();
      await page.getByRole('link', { name: 'Shop_Catalog_items_SQL_Get', exact: true }).click();
      await page.getByText('The example matches the schema').waitFor();
      await checkpoint('11-schema');
      const source = page.getByLabel('JSON Schema');
      const text = await source.inputValue();
      await source.fill(`${text.slice(0, -1)},`);
      await page.getByText(/This is not valid JSON/).waitFor();
      await checkpoint('12-schema-broken');
      await source.fill(text);
    });

    it('edits a portal page with its preview', async () => {
      await page.getByRole('link', { name: 'Pages' }).click();
      await page.getByRole('link', { name: 'Getting started' }).waitFor();
      await checkpoint('13-pages');
      await page.getByRole('link', { name: 'Getting started' }).click();
      const content = page.getByLabel('Content (Markdown)');
      await content.waitFor();
      const before = await content.inputValue();
      await content.fill(`${before}\n\n## Shop API\n\nThe catalogue is at **/shop/catalog_items**.\n`);
      const preview = page.getByRole('region', { name: 'Preview' });
      await preview.getByRole('heading', { name: 'Shop API' }).waitFor();
      await checkpoint('14-page-preview');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The page was saved.').waitFor();
      const found = await h.admin.backend().page().getAll(0, 10, 'Getting started');
      const stored = await h.admin.backend().page().get(String(found.entry?.[0]?.id));
      expect(stored.content).toContain('The catalogue is at **/shop/catalog_items**.');
    });

    it('changes a setting', async () => {
      await page.getByRole('link', { name: 'Configuration' }).click();
      await page.getByRole('tab', { name: 'Branding' }).waitFor();
      const title = page.getByLabel('Portal title');
      await title.fill('Teashop API');
      await page.getByRole('button', { name: /^Save changes/ }).click();
      await page.getByText('Saved: Portal title.').waitFor();
      await checkpoint('15-config');
      const about = (await (await h.fetch('/system/about')).json()) as { portal?: { title?: string } };
      expect(JSON.stringify(about)).toContain('Teashop API');
    });

    it('reads as well in dark mode', async () => {
      await page.getByRole('button', { name: 'Switch to dark mode' }).click();
      await page.goto(`${h.baseUrl}/apps/backend/connections/${connectionId}/database/catalog_items`);
      await page.getByRole('table', { name: 'Rows of catalog_items' }).getByText('Teapot').waitFor();
      await checkpoint('16-dark-database');
      await page.getByRole('link', { name: 'Generate from a database' }).click();
      await page.getByRole('checkbox', { name: 'catalog_items' }).waitFor();
      await checkpoint('17-dark-generator');
    });
  },
);
