import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
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
const story = 'admin-firewall-and-backup';

describe.skipIf(!sqlite || !hasChromium)(
  'an administrator keeps the firewall, the folders and the configuration file',
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let errors: string[];
    const app = (path = '') => `${h.baseUrl}/apps/backend/${path}`;
    const nav = () => page.getByRole('navigation', { name: 'Main' });

    async function checkpoint(step: string) {
      await screenshot(page, story, step);
      expect(await seriousViolations(page), step).toEqual([]);
      expect(errors, step).toEqual([]);
    }

    async function choose(label: string, option: string) {
      await page.getByRole('combobox', { name: label, exact: true }).click();
      await page.getByRole('option', { name: option, exact: true }).click();
    }

    beforeAll(async () => {
      h = await startHarness(sqlite as NonNullable<typeof sqlite>);
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      errors = collectPageErrors(page);
      await logInToAdminApp(page, h.baseUrl, adminPassword);
      await nav().getByRole('link', { name: 'Firewall' }).waitFor();
    });
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    it('adds a deny rule, shows a bad range next to its field, and deletes the rule after asking', async () => {
      await nav().getByRole('link', { name: 'Firewall' }).click();
      await page.getByRole('heading', { name: 'Firewall', level: 1 }).waitFor();
      await checkpoint('01-firewall');
      await page.getByRole('link', { name: 'Create firewall rule' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Scanner-Net');
      await choose('Type', 'Deny');
      const ip = page.getByLabel('Address or CIDR range');
      await ip.fill('203.0.113.0/33');
      await page.getByRole('button', { name: 'Create firewall rule' }).click();
      await expect.poll(() => ip.getAttribute('aria-invalid')).toBe('true');
      // the typed input is kept, the rule is not there
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Scanner-Net');
      expect((await h.admin.backend().firewall().getAll(0, 16, 'Scanner')).entry ?? []).toHaveLength(0);
      await checkpoint('02-firewall-range-refused');

      await ip.fill('203.0.113.0/24');
      await page.getByRole('button', { name: 'Create firewall rule' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /created/i })
        .first()
        .waitFor();
      const rule = (await h.admin.backend().firewall().getAll(0, 16, 'Scanner')).entry?.[0];
      expect(rule).toMatchObject({ name: 'Scanner-Net', type: 0, ip: '203.0.113.0/24' });
      await checkpoint('03-firewall-rule-created');

      await page.goto(app('firewall'));
      await page.getByRole('link', { name: 'Scanner-Net' }).click();
      await page.getByRole('button', { name: 'Delete firewall rule' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Delete firewall rule' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /deleted/i })
        .first()
        .waitFor();
      expect((await h.admin.backend().firewall().getAll(0, 16, 'Scanner')).entry ?? []).toHaveLength(0);
    });

    it('exports the configuration, refuses a broken file without changing anything, and imports a good one', async () => {
      await h.admin.backend().scope().create({ name: 'orders.read', description: 'Read orders' });
      await nav().getByRole('link', { name: 'Import and export' }).click();
      await page.getByRole('heading', { name: 'Import and export', level: 1 }).waitFor();
      const downloaded = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export the configuration' }).click();
      const exported = await page.getByLabel('Exported configuration').inputValue();
      expect((await downloaded).suggestedFilename()).toMatch(/^portico-\d{4}-\d{2}-\d{2}\.yaml$/);
      const file = parse(exported) as { scopes?: { name: string; description?: string }[] };
      expect(file.scopes?.map((s) => s.name)).toContain('orders.read');
      await checkpoint('04-exported');

      const config = page.getByRole('textbox', { name: 'Configuration', exact: true });
      const broken = `${exported}\nscopes: [unclosed\n`;
      await config.fill(broken);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('button', { name: 'Yes, import it' }).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/line \d+/i);
      expect(await config.inputValue()).toBe(broken);
      await checkpoint('05-import-refused');

      file.scopes = [...(file.scopes ?? []), { name: 'orders.write', description: 'Change orders' }];
      await config.fill(stringify(file));
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('button', { name: 'Yes, import it' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /import/i })
        .first()
        .waitFor();
      expect((await h.admin.backend().scope().get('~orders.write')).description).toBe('Change orders');
      await checkpoint('06-imported');
    });

    it('files folders inside folders, as Fusio’s taxonomies', async () => {
      await nav().getByRole('link', { name: 'Folders' }).click();
      await page.getByRole('heading', { name: 'Folders', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Create folder' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Billing');
      await page.getByRole('button', { name: 'Create folder' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /created/i })
        .first()
        .waitFor();
      await page.goto(app('taxonomies/new'));
      await page.getByLabel('Name', { exact: true }).fill('Invoices');
      const parent = page.getByRole('combobox', { name: 'Parent folder', exact: true });
      await parent.click();
      await parent.fill('Bill');
      await page.getByRole('option', { name: 'Billing', exact: true }).click();
      await page.getByRole('button', { name: 'Create folder' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /created/i })
        .first()
        .waitFor();
      await checkpoint('07-folder-in-a-folder');
      const all = (await h.admin.backend().taxonomy().getAll(0, 16)).entry ?? [];
      const billing = all.find((t) => t.name === 'Billing');
      expect(all.find((t) => t.name === 'Invoices')).toMatchObject({ parentId: billing?.id });

      // newest first, then in the order asked for, kept in the address
      await page.goto(app('taxonomies'));
      const firstRow = () => page.getByRole('table').getByRole('link').first().textContent();
      await expect.poll(firstRow).toBe('Invoices');
      await page.getByLabel('Order').selectOption({ label: 'Name, A to Z' });
      await expect.poll(firstRow).toBe('Billing');
      expect(page.url()).toContain('sort=name-asc');
      await checkpoint('08-folders-by-name');
    });
  },
);
