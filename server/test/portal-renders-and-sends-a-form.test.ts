import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
  storeSession,
} from './support/browser.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'portal-renders-and-sends-a-form';

describe.skipIf(!sqlite || !hasChromium)("the portal renders a form from its operation's schema and sends it", () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let formId: number;

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    const backend = h.admin.backend();
    await backend.schema().create({
      name: 'Address',
      source: { type: 'object', properties: { city: { type: 'string', title: 'City' } }, required: ['city'] },
    });
    await backend.schema().create({
      name: 'Feedback',
      source: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 2 },
          topic: { type: 'string', enum: ['sales', 'support'], description: 'Who should answer' },
          rating: { type: 'integer', minimum: 1, maximum: 5 },
          subscribe: { type: 'boolean', title: 'Send me news' },
          tags: { type: 'array', items: { type: 'string' } },
          message: { type: 'string' },
          internal: { type: 'string' },
          address: { $ref: 'Address' },
        },
        required: ['name', 'rating'],
      },
    });
    await backend.action().create({
      name: 'feedback-received',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { statusCode: 201, response: '{"thanks": "We read every message"}' },
    });
    const op = await backend.operation().create({
      name: 'feedback.create',
      httpMethod: 'POST',
      httpPath: '/feedback',
      incoming: 'Feedback',
      action: 'feedback-received',
      public: false,
      scopes: ['feedback'],
    });
    const form = await backend.form().create({
      name: 'Feedback',
      operationId: Number(op.id),
      uiSchema: {
        'ui:order': ['name', 'rating', '*'],
        name: { 'ui:title': 'Your name', 'ui:placeholder': 'Ada Lovelace' },
        message: { 'ui:widget': 'textarea', 'ui:help': 'Tell us what you think' },
        internal: { 'ui:widget': 'hidden' },
      },
      metadata: { description: 'Tell the API team how it is going.' },
    });
    formId = Number(form.id);
    browser = await launchChromium();
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    errors = collectPageErrors(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('lists the form and renders each field of the schema, labelled, in the UI schema’s order', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/forms`);
    await page.getByRole('link', { name: 'Feedback' }).click();
    await page.getByRole('heading', { name: 'Feedback', level: 1 }).waitFor();
    await page.getByText('Tell the API team how it is going.').waitFor();
    expect(await page.getByLabel('Your name').getAttribute('placeholder')).toBe('Ada Lovelace');
    await page.getByLabel('Rating').waitFor();
    await page.getByRole('checkbox', { name: 'Send me news' }).waitFor();
    await page.getByRole('combobox', { name: 'Topic' }).waitFor();
    await page.getByLabel('Tags').waitFor();
    expect(await page.getByLabel('Message').evaluate((e) => e.tagName)).toBe('TEXTAREA');
    await page.getByRole('group', { name: 'Address' }).getByLabel('City').waitFor();
    expect(await page.getByLabel('Internal').count()).toBe(0);
    const labels = await page.locator('form label').allTextContents();
    expect(labels.slice(0, 2).map((l) => l.replace(/\s*\*$/, ''))).toEqual(['Your name', 'Rating']);
    await screenshot(page, story, '01-form');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('refuses an incomplete form in the page, and shows the API’s refusal of an anonymous submission', async () => {
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Your name is required').waitFor();
    await page.getByText('Rating is required').waitFor();
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Rating').fill('4');
    await page.getByRole('group', { name: 'Address' }).getByLabel('City').fill('London');
    await page.getByRole('button', { name: 'Send' }).click();
    // the operation is not public: without a login the API says so, and the page shows it
    await page.getByText('Refused (401)').waitFor();
    await screenshot(page, story, '02-refused-anonymous');
  });

  it('a logged-in developer sends it with their token and sees the answer', async () => {
    const roles = await h.admin.backend().role().getAll(0, 16, 'Consumer');
    const roleId = roles.entry?.find((r) => r.name === 'Consumer')?.id;
    await h.admin
      .backend()
      .user()
      .create({
        roleId,
        name: 'ada',
        email: 'ada@example.com',
        password: 'ada-long-password',
        status: 1,
        scopes: ['feedback'],
      });
    const jwt = await h.anonymous().consumer().account().login({ username: 'ada', password: 'ada-long-password' });
    await storeSession(page, {
      token: jwt.token,
      refreshToken: jwt.refresh_token,
      expiresAt: Date.now() + (jwt.expires_in ?? 600) * 1000,
    });
    await page.goto(`${h.baseUrl}/apps/developer/forms/${formId}`);
    await page.getByText('sent with your login').waitFor();
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Rating').fill('5');
    await page.getByRole('combobox', { name: 'Topic' }).click();
    await page.getByRole('option', { name: 'support', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Send me news' }).check();
    await page.getByLabel('Tags').fill('docs\nsdk');
    await page.getByLabel('Message').fill('Nice API');
    await page.getByRole('group', { name: 'Address' }).getByLabel('City').fill('London');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Sent (201)').waitFor();
    await page.getByText('We read every message').waitFor();
    await screenshot(page, story, '03-sent');
    expect(await seriousViolations(page)).toEqual([]);

    await h.flushLogs();
    const logged = await h.portico.platform.db
      .selectFrom('logs')
      .select(['body', 'user_id'])
      .where('path', '=', '/feedback')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(logged.body ?? '{}')).toEqual({
      name: 'Ada',
      rating: 5,
      topic: 'support',
      subscribe: true,
      tags: ['docs', 'sdk'],
      message: 'Nice API',
      address: { city: 'London' },
    });
    expect(logged.user_id).not.toBeNull();
    expect(errors).toEqual([]);
  });
});
