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

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'admin-publishes-a-form';

describe.skipIf(!sqlite || !hasChromium)('an administrator publishes a form for an operation in the admin app', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const nav = () => page.getByRole('navigation', { name: 'Main' });

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    await h.admin
      .backend()
      .schema()
      .create({ name: 'Ticket', source: { type: 'object', properties: { subject: { type: 'string' } } } });
    await h.admin
      .backend()
      .action()
      .create({
        name: 'ticket-open',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{}' },
      });
    await h.admin.backend().operation().create({
      name: 'ticket.create',
      httpMethod: 'POST',
      httpPath: '/ticket',
      incoming: 'Ticket',
      action: 'ticket-open',
      public: true,
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    errors = collectPageErrors(page);
    await logInToAdminApp(page, h.baseUrl, adminPassword);
    await nav().getByRole('link', { name: 'Forms' }).waitFor();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('creates a form with an operation and a UI schema; a UI schema that is not an object is refused at its field', async () => {
    await nav().getByRole('link', { name: 'Forms' }).click();
    await page.getByRole('heading', { name: 'Forms', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Create form' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Open-Ticket');
    await page.getByRole('combobox', { name: 'Operation' }).click();
    await page.getByRole('option', { name: /ticket\.create/ }).click();
    const ui = page.getByLabel('UI schema (JSON)');
    await ui.fill('[1, 2]');
    await page.getByRole('button', { name: 'Create form' }).click();
    await expect.poll(() => ui.getAttribute('aria-invalid')).toBe('true');
    expect((await h.admin.backend().form().getAll()).totalResults).toBe(0);
    await screenshot(page, story, '01-ui-schema-refused');

    await ui.fill('{"subject": {"ui:placeholder": "What is wrong?"}}');
    await page.getByRole('button', { name: 'Create form' }).click();
    await expect
      .poll(async () => (await h.admin.backend().form().getAll()).entry?.map((f) => f.name))
      .toEqual(['Open-Ticket']);
    const form = await h.admin.backend().form().get('~Open-Ticket');
    const operation = await h.admin.backend().operation().get('~ticket.create');
    expect(form).toMatchObject({
      operationId: operation.id,
      uiSchema: { subject: { 'ui:placeholder': 'What is wrong?' } },
    });
    await screenshot(page, story, '02-created');
    expect(await seriousViolations(page)).toEqual([]);

    const shown = await h.anonymous().consumer().form().get('~Open-Ticket');
    expect(shown).toMatchObject({ action: `${h.baseUrl}/ticket`, method: 'POST' });
    expect(errors).toEqual([]);
  });

  it('opens the provider’s consent page for a connection that authorizes with an OAuth2 code', async () => {
    const created = await h.admin
      .backend()
      .connection()
      .create({
        name: 'saas',
        class: 'Fusio.Adapter.Http.Connection.Http',
        config: {
          url: 'https://saas.example',
          auth: 'oauth2-code',
          authorizationUrl: `${h.baseUrl}/authorization/authorize`,
          tokenUrl: `${h.baseUrl}/authorization/token`,
          clientId: 'saas-client',
          clientSecret: 'saas-secret',
          scope: 'read',
        },
      });
    await page.goto(`${h.baseUrl}/apps/backend/connections/${created.id}`);
    const button = page.getByRole('button', { name: 'Authorize at the provider' });
    await button.waitFor();
    await screenshot(page, story, '03-connection-authorize');
    expect(await seriousViolations(page)).toEqual([]);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), button.click()]);
    await expect.poll(() => popup.url()).toContain('client_id=saas-client');
    const opened = new URL(popup.url());
    expect(opened.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/system/connection/saas/callback`);
    expect(opened.searchParams.get('state')).toMatch(/^\d+\./);
    await popup.close();
  });
});
