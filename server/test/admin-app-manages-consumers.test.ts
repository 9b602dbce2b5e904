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
import { roleId } from './support/plan-helpers.js';

// the browser drives the admin app; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'admin-manages-consumers';

describe.skipIf(!sqlite || !hasChromium)(
  'an administrator manages plans, rates, users and operations in the admin app',
  () => {
    let h: Harness;
    let browser: Browser;
    let page: Page;
    let errors: string[];
    const app = (path = '') => `${h.baseUrl}/apps/backend/${path}`;

    /** Each step: no serious accessibility violation, no script error, and a screenshot to look at. */
    async function checkpoint(step: string) {
      await screenshot(page, story, step);
      expect(await seriousViolations(page), step).toEqual([]);
      expect(errors, step).toEqual([]);
    }

    /** Picks `option` in the Mantine select labelled `label`, typing `search` first (a server-side search). */
    async function choose(label: string, option: string | RegExp, search?: string) {
      const input = page.getByRole('combobox', { name: label, exact: true });
      await input.click();
      if (search !== undefined) await input.fill(search);
      await page.getByRole('option', { name: option }).first().click();
    }

    const consumerLogin = (username: string, password: string) =>
      h.fetch('/consumer/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });

    beforeAll(async () => {
      h = await startHarness(sqlite as NonNullable<typeof sqlite>);
      await h.admin
        .backend()
        .action()
        .create({
          name: 'order-lookup',
          class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
          config: { response: '{"order":1}' },
        });
      const backend = h.admin.backend();
      await backend.event().create({ name: 'order.created', description: 'An order was placed' });
      await backend.trigger().create({ name: 'on-order', event: 'order.created', action: 'order-lookup' });
      await backend.cronjob().create({ name: 'nightly', cron: '0 3 * * *', action: 'order-lookup' });
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      errors = collectPageErrors(page);
    });
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    it('logs in as the administrator', async () => {
      await logInToAdminApp(page, h.baseUrl, adminPassword);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans' }).waitFor();
    });

    it('creates a plan, and shows the API refusal of a taken name next to the field without losing input', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans' }).click();
      await page.getByRole('heading', { name: 'Plans', level: 1 }).waitFor();
      await checkpoint('01-plans');
      await page.getByRole('link', { name: 'Create plan' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Gold');
      await page.getByLabel('Description').fill('For serious use');
      await page.getByLabel('Price').fill('19.90');
      await page.getByLabel('Points per period').fill('1000');
      await choose('Period', 'Subscription');
      await page.getByRole('button', { name: 'Create plan' }).click();
      await page.getByRole('heading', { name: 'Plan Gold' }).waitFor();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Plan successfully created');
      await checkpoint('02-plan-created');
      const plans = await h.admin.backend().plan().getAll(0, 16, 'Gold');
      expect(plans.entry?.[0]).toMatchObject({ name: 'Gold', price: 19.9, points: 1000, period: 1 });

      await page.goto(app('plans/new'));
      await page.getByLabel('Name', { exact: true }).fill('Gold');
      await page.getByLabel('Points per period').fill('5');
      await page.getByRole('button', { name: 'Create plan' }).click();
      const name = page.getByLabel('Name', { exact: true });
      await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
      const message = await page
        .locator(`[id="${describedBy.split(' ').find((id) => id.includes('error'))}"]`)
        .textContent();
      expect(message).toBe('Plan already exists');
      expect(await page.getByLabel('Points per period').inputValue()).toBe('5');
      await checkpoint('03-plan-name-taken');
    });

    it('warns when a new rate covers administrators, and not once it is narrowed to a plan', async () => {
      await page.goto(app('rates/new'));
      await page.getByLabel('Name', { exact: true }).fill('Gold-Limit');
      await page.getByLabel('Requests allowed').fill('100');
      await choose('Per timespan', /a minute/);
      const warning = page.getByRole('alert').filter({ hasText: 'This rate covers administrators' });
      await warning.waitFor();
      expect(await warning.textContent()).toContain('administrators’ calls to your API');
      expect(await warning.textContent()).toContain('never limited');
      await checkpoint('04-rate-warns');

      await choose('Plan (allocation 1)', 'Gold', 'Gold');
      await warning.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Create rate' }).click();
      await page.getByRole('heading', { name: 'Rate Gold-Limit' }).waitFor();
      await checkpoint('05-rate-created');
      const gold = (await h.admin.backend().plan().getAll(0, 16, 'Gold')).entry?.[0];
      const rate = (await h.admin.backend().rate().getAll(0, 16, 'Gold-Limit')).entry?.[0];
      const stored = await h.admin.backend().rate().get(String(rate?.id));
      expect(stored).toMatchObject({ name: 'Gold-Limit', rateLimit: 100, timespan: 'PT1M' });
      expect(stored.allocation).toEqual([expect.objectContaining({ planId: gold?.id })]);
      expect(stored.allocation?.[0]?.userId).toBeUndefined();
    });

    it('deactivates a user, who then cannot log in', async () => {
      await h.admin
        .backend()
        .user()
        .create({
          roleId: await roleId(h, 'Consumer'),
          name: 'dora',
          email: 'dora@example.com',
          password: 'dora-password-long',
        });
      expect((await consumerLogin('dora', 'dora-password-long')).status).toBe(200);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Search users by name or email').fill('dora@');
      await page.getByRole('link', { name: 'dora' }).click();
      await page.getByRole('heading', { name: 'User dora' }).waitFor();
      await checkpoint('06-user');
      await page.getByRole('button', { name: 'Deactivate user' }).click();
      await page.getByRole('button', { name: 'Activate user' }).waitFor();
      await checkpoint('07-user-deactivated');
      expect((await consumerLogin('dora', 'dora-password-long')).status).not.toBe(200);
      expect((await h.admin.backend().user().get('~dora')).status).toBe(2);
    });

    it('creates a scope and an operation with it, checking the path while it is typed, then edits it', async () => {
      await page.goto(app('scopes/new'));
      await page.getByLabel('Name', { exact: true }).fill('orders.read');
      await page.getByLabel('Description').fill('Read orders');
      await page.getByRole('button', { name: 'Create scope' }).click();
      await page.getByRole('heading', { name: 'Scope orders.read' }).waitFor();

      await page.goto(app('operations/new'));
      await page.getByLabel('Name', { exact: true }).fill('orders.get');
      const path = page.getByLabel('HTTP path');
      await path.fill('/orders/:id/:id');
      await expect.poll(() => path.getAttribute('aria-invalid')).toBe('true');
      await page.getByText('Path parameter "id" is used twice').waitFor();
      await checkpoint('08-operation-path-refused');
      await path.fill('/orders/$id<[0-9]+>');
      await page.getByText('Path parameters: id.').waitFor();
      await choose('Action', 'order-lookup', 'order');
      await choose('Scopes', 'orders.read', 'orders');
      await page.keyboard.press('Escape');
      await checkpoint('09-operation-form');
      await page.getByRole('button', { name: 'Create operation' }).click();
      await page.getByRole('heading', { name: 'Operation orders.get' }).waitFor();

      await page.getByLabel('Description').fill('One order by its number');
      await page.getByLabel('Public: callable without a token').check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Operation successfully updated' }).waitFor();
      await checkpoint('10-operation-edited');
      const operation = await h.admin.backend().operation().get('~orders.get');
      expect(operation).toMatchObject({
        httpMethod: 'GET',
        httpPath: '/orders/$id<[0-9]+>',
        action: 'order-lookup',
        public: true,
        description: 'One order by its number',
        scopes: ['orders.read'],
      });
      // the gateway serves what the screen made
      expect((await h.fetch('/orders/7')).status).toBe(200);
    }, 60_000);

    it('asks before a delete, says what depends on the thing, and keeps a refusal in the dialog', async () => {
      await page.goto(app('scopes'));
      await page.getByLabel('Search scopes').fill('orders');
      await page.getByRole('link', { name: 'orders.read' }).click();
      await page.getByRole('button', { name: 'Delete scope' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('1 operation linked to this scope').waitFor();
      await checkpoint('11-scope-delete-confirm');
      await dialog.getByRole('button', { name: 'Delete scope' }).click();
      await page.getByRole('status').filter({ hasText: 'Scope “orders.read” deleted' }).waitFor();
      await expect(h.admin.backend().scope().get('~orders.read')).rejects.toBeTruthy();

      // a plan that a user is on: the dialog says so, and the API's refusal stays in it
      const gold = (await h.admin.backend().plan().getAll(0, 16, 'Gold')).entry?.[0];
      await h.admin.backend().user().update('~dora', { planId: gold?.id });
      await page.goto(app(`plans/${gold?.id}`));
      await page.getByRole('button', { name: 'Delete plan' }).click();
      await dialog.getByText('1 user is on this plan: move them to another plan first').waitFor();
      await dialog.getByRole('button', { name: 'Delete plan' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'Plan is assigned to users' }).waitFor();
      await checkpoint('12-plan-delete-refused');
      expect((await h.admin.backend().plan().get(String(gold?.id))).name).toBe('Gold');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    });

    it('creates an app for a user and shows its secret once', async () => {
      await page.goto(app('apps/new'));
      await choose('Owner', 'dora', 'dor');
      await page.getByLabel('Name', { exact: true }).fill('Dora Shop');
      await page.getByLabel('URL').fill('https://shop.example.com');
      await page.getByRole('button', { name: 'Create app' }).click();
      const secret = page.getByRole('textbox', { name: 'App secret' });
      await secret.waitFor();
      await checkpoint('13-app-secret-once');
      const created = (await h.admin.backend().app().getAll(0, 16, 'Dora Shop')).entry?.[0];
      const token = await h.fetch('/authorization/token', {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${created?.appKey}:${await secret.inputValue()}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      // dora is deactivated: her app's secret is right, but she may not get a token
      expect([400, 401]).toContain(token.status);
      await page.getByRole('link', { name: 'Open the app' }).click();
      await page.getByRole('heading', { name: 'App Dora Shop' }).waitFor();
    });

    it('adds an identity provider whose settings come from its class form', async () => {
      await page.goto(app('identities/new'));
      await page.getByLabel('Name', { exact: true }).fill('GitHub-Login');
      await choose('Provider', 'Github');
      await choose('App', 'Developer', 'Dev');
      await page.getByLabel('Client-ID').fill('client-123');
      await page.getByLabel('Client-Secret').fill('very-secret-value');
      await checkpoint('14-identity-form');
      await page.getByRole('button', { name: 'Create identity provider' }).click();
      await page.getByRole('heading', { name: 'Identity provider GitHub-Login' }).waitFor();
      const stored = await h.admin.backend().identity().get('~GitHub-Login');
      expect(stored).toMatchObject({ class: 'Fusio.Impl.Provider.Identity.Github', allowCreate: true });
      expect(stored.config).toMatchObject({ client_id: 'client-123', client_secret: '********' });
      // the stored secret comes back masked, in a password field
      expect(await page.getByLabel('Client-Secret').inputValue()).toBe('********');
    });

    it.each([
      'operations',
      'apps',
      'users',
      'roles',
      'plans',
      'rates',
      'identities',
      'identities/new',
      'events',
      'events/new',
      'webhooks',
      'webhooks/new',
      'triggers',
      'triggers/new',
      'cronjobs',
      'cronjobs/new',
      'users/new',
      'roles/new',
    ])('shows %s without a serious accessibility violation', async (screen) => {
      await page.goto(app(screen));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByLabel('Loading').first().waitFor({ state: 'detached' });
      await checkpoint(`20-${screen.replace('/', '-')}`);
    });

    it('shows an event with what depends on it, a trigger with its runs and a cronjob with its last run', async () => {
      const backend = h.admin.backend();
      const event = (await backend.event().getAll(0, 16, 'order.created')).entry?.[0];
      await page.goto(app(`events/${event?.id}`));
      await page.getByRole('heading', { name: 'Event order.created' }).waitFor();
      await page.getByRole('button', { name: 'Delete event' }).click();
      await page.getByRole('dialog').getByText('Triggers that run on it: on-order').waitFor();
      await checkpoint('21-event-delete-confirm');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

      const trigger = (await backend.trigger().getAll(0, 16, 'on-order')).entry?.[0];
      await page.goto(app(`triggers/${trigger?.id}`));
      await page.getByRole('heading', { name: 'Latest runs' }).waitFor();
      await checkpoint('22-trigger');

      const cronjob = (await backend.cronjob().getAll(0, 16, 'nightly')).entry?.[0];
      await page.goto(app(`cronjobs/${cronjob?.id}`));
      await page.getByText('It has not run yet.').waitFor();
      await checkpoint('23-cronjob');
    }, 60_000);

    it('pages and searches 10,000 scopes on the server', async () => {
      const db = h.portico.platform.db;
      for (let start = 0; start < 10_000; start += 500) {
        await db
          .insertInto('scopes')
          .values(
            Array.from({ length: 500 }, (_, i) => ({
              name: `bulk.${String(start + i).padStart(5, '0')}`,
              description: 'A scope among many',
              metadata: null,
            })),
          )
          .execute();
      }
      const began = Date.now();
      await page.goto(app('scopes'));
      await page.getByText(/^1–25 of 10,0\d\d$/).waitFor();
      expect(Date.now() - began).toBeLessThan(5_000);
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText(/^26–50 of 10,0\d\d$/).waitFor();
      await page.getByLabel('Search scopes').fill('bulk.0424');
      await page.getByText(/^1–10 of 10$/).waitFor();
      expect(page.url()).toContain('search=bulk.0424');
      await checkpoint('30-scopes-searched');
    });
  },
);
