import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
  storedSession,
  storeSession,
} from './support/browser.js';
import { newDeveloper } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { allowPrivateWebhooks, createEvent, dispatchingOperation, fastEvents } from './support/events-helpers.js';
import { type Receiver, startReceiver } from './support/events-receiver.js';
import { type Harness, startHarness } from './support/harness.js';
import { createOAuthWorld, type OAuthWorld, postForm, statusWithToken } from './support/oauth-fixtures.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

// the browser drives the portal; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'developer-signs-up';

/** The link in a mail that leads into the portal. */
function portalLink(text: string, path: string): string {
  const match = new RegExp(`https?://\\S+/apps/developer/${path}/[A-Za-z0-9_-]+`).exec(text);
  if (!match) throw new Error(`no ${path} link in the mail: ${text}`);
  return match[0];
}

/** Each step: no serious accessibility violation, no script error, and a screenshot to look at. */
async function checkpoint(page: Page, errors: string[], step: string) {
  await screenshot(page, story, step);
  expect(await seriousViolations(page), step).toEqual([]);
  expect(errors, step).toEqual([]);
}

describe.skipIf(!sqlite || !hasChromium)('a developer signs up, logs in and consents in the browser', () => {
  let h: Harness;
  let inbox: SmtpInbox;
  let receiver: Receiver;
  let world: OAuthWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const dev = newDeveloper('web');
  const newPassword = `${dev.password}-renewed`;
  const changedPassword = `${dev.password}-changed`;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    receiver = await startReceiver();
    h = await startHarness(
      sqlite as NonNullable<typeof sqlite>,
      { MAILER_URL: inbox.mailerUrl },
      { events: fastEvents },
    );
    world = await createOAuthWorld(h);
    // an event developers may subscribe to, raised by POST /orders; webhooks may call 127.0.0.1 here
    await createEvent(h.admin, 'order.created', 'An order was placed');
    await dispatchingOperation(h.admin, 'order-dispatch', '/orders', 'order.created');
    await allowPrivateWebhooks(h.admin);
    await h.admin
      .backend()
      .plan()
      .create({ name: 'Starter', description: 'To try things', price: 0, points: 100, period: 1 });
    await h.admin
      .backend()
      .plan()
      .create({ name: 'Pro', description: 'For production', price: 9.99, points: 10_000, period: 1 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    errors = collectPageErrors(page);
    // the third-party app's redirect URI: the browser arrives there, nothing needs to answer for real
    await context.route('https://web.example/**', (route) => route.fulfill({ status: 200, body: 'back at the app' }));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await inbox?.close();
    await receiver?.close();
  });

  it('finds the portal from /, with the overview page', async () => {
    await page.goto(`${h.baseUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/apps/developer/');
    // the overview page opens with the installation's title as its heading
    await page.getByRole('heading', { level: 1, name: 'Portico' }).waitFor();
    await expect.poll(() => page.title()).toContain('Overview');
    await checkpoint(page, errors, '01-home');
  });

  it('registers: errors stand next to their field and nothing typed is lost', async () => {
    await page.getByRole('link', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('User name', { exact: true }).fill(dev.name);
    await page.getByLabel('Email').fill(dev.email);
    await page.getByLabel('Password', { exact: true }).fill(dev.password);
    await page.getByLabel('Repeat the password').fill('something else');
    await page.getByRole('button', { name: 'Create account' }).click();
    const repeat = page.getByLabel('Repeat the password');
    // the message is tied to its field: a screen reader reads it with the field
    await expect.poll(() => repeat.getAttribute('aria-describedby')).toMatch(/-error\b/);
    const describedBy = (await repeat.getAttribute('aria-describedby')) ?? '';
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'));
    expect(await page.locator(`[id="${errorId}"]`).textContent()).toBe('The passwords do not match');
    expect(await page.getByLabel('User name', { exact: true }).inputValue()).toBe(dev.name);
    expect(await page.getByLabel('Email').inputValue()).toBe(dev.email);
    await checkpoint(page, errors, '02-register-error');

    await repeat.fill(dev.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain(dev.email);
    await checkpoint(page, errors, '03-registered');
  });

  it('activates the account from the mailed link', async () => {
    const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/register/activate/'));
    await page.goto(portalLink(mail.text, 'register/activate'));
    await page.getByText('Your account is active.').waitFor();
    await checkpoint(page, errors, '04-activated');
    // the API the third-party app asks for: the administrator grants it to the new developer
    const users = await h.admin.backend().user().getAll(0, 16, dev.name);
    const user = users.entry?.find((u) => u.name === dev.name);
    expect(user?.status).toBe(1);
    await h.admin
      .backend()
      .user()
      .update(String(user?.id), { ...user, scopes: ['todo'] });
    await page.getByRole('link', { name: 'Log in' }).last().click();
    await page.getByText('Your account is active. Log in to start.').waitFor();
  });

  it('logs in: a wrong password is said on the form, the name stays', async () => {
    await page.getByLabel('User name or email').fill(dev.name);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid name or password' }).waitFor();
    expect(await page.getByLabel('User name or email').inputValue()).toBe(dev.name);
    await checkpoint(page, errors, '05-login-refused');

    await page.getByLabel('Password', { exact: true }).fill(dev.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Log out' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/apps\/developer\/?$/);
  });

  it('consents to an OAuth app, which gets a code it can redeem (RFC 6749 §4.1.2)', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = (state: string) =>
      `${h.baseUrl}/authorization/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: world.web.key,
        redirect_uri: world.web.redirectUri,
        scope: 'todo',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      })}`;

    await page.goto(authorize('state-allow'));
    await page.getByRole('heading', { name: 'Allow Todo Web to use your account?' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/apps/developer/authorize');
    expect(await page.getByRole('list', { name: 'Requested scopes' }).textContent()).toContain(
      'todo — Read and write your todo list',
    );
    await checkpoint(page, errors, '06-consent');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(world.web.redirectUri)),
      page.getByRole('button', { name: 'Allow' }).click(),
    ]);
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('state-allow');
    const code = back.searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    const token = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'authorization_code', code, redirect_uri: world.web.redirectUri, code_verifier: verifier },
      { id: world.web.key, secret: world.web.secret },
    );
    expect(token.status).toBe(200);
    expect(await statusWithToken(h, world.todoPath, String(token.body.access_token))).toBe(200);

    await page.goto(authorize('state-deny'));
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(world.web.redirectUri));
    const denied = new URL(page.url());
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('state-deny');
    expect(denied.searchParams.get('code')).toBeNull();

    // what the server refuses, the screen refuses: no way to allow it
    await page.goto(`${h.baseUrl}/apps/developer/authorize?response_type=code&client_id=no-such-app&scope=todo`);
    await page.getByRole('alert').filter({ hasText: 'This request cannot be authorized' }).waitFor();
    expect(await page.getByRole('button', { name: 'Allow' }).count()).toBe(0);
    await checkpoint(page, errors, '07-consent-refused');
  });

  it('creates an app with a scope, sees its secret once, edits and deletes it', async () => {
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
    await page.getByRole('link', { name: 'Create app' }).click();
    await page.getByLabel('Name').fill('My script');
    await page.getByLabel('URL').fill('not a url');
    await page.getByRole('checkbox', { name: 'todo' }).check();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByText('Enter the URL of your application').waitFor();
    expect(await page.getByLabel('Name').inputValue()).toBe('My script');
    expect(await page.getByRole('checkbox', { name: 'todo' }).isChecked()).toBe(true);
    await page.getByLabel('URL').fill('https://script.example');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'Your app is ready' }).waitFor();
    const key = await page.getByLabel('App key', { exact: true }).inputValue();
    const secret = await page.getByLabel('App secret', { exact: true }).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await checkpoint(page, errors, '07a-app-created');
    // the key and secret work: client credentials for the todo scope
    const token = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'client_credentials', scope: 'todo' },
      { id: key, secret },
    );
    expect(token.status).toBe(200);
    expect(await statusWithToken(h, world.todoPath, String(token.body.access_token))).toBe(200);

    // the API reference sends a real request with the app's credentials
    await page.getByRole('link', { name: 'API reference' }).click();
    await page.getByLabel('Search operations').fill('todo');
    await page.getByRole('button', { name: /^GET \/todo/ }).click();
    await page.getByText('An app (key and secret)').click();
    expect(await page.getByRole('radio', { name: 'An app (key and secret)' }).isChecked()).toBe(true);
    await page.getByLabel('App key', { exact: true }).fill(key);
    await page.getByLabel('App secret', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Send request' }).click();
    const response = page.getByRole('region', { name: 'Response' });
    await response.getByText('200').waitFor();
    expect(await response.textContent()).toContain('try OAuth2');
    await page.getByRole('tab', { name: 'Python' }).click();
    expect(await page.getByRole('tabpanel').textContent()).toContain('requests.request(');
    await checkpoint(page, errors, '07a2-api-reference-try-it');

    // the calls show in the usage charts and the call log
    await h.flushLogs();
    await page.getByRole('link', { name: 'Usage', exact: true }).click();
    await page.getByText(/^\d+ calls from /).waitFor();
    expect(Number((await page.getByText(/^\d+ calls from /).textContent())?.split(' ')[0])).toBeGreaterThanOrEqual(2);
    expect(await page.getByText('todo.getAll', { exact: false }).count()).toBeGreaterThan(0);
    const logEntry = page.getByRole('table', { name: 'Call log' }).getByRole('button', { name: 'GET /todo' }).first();
    await logEntry.waitFor();
    await checkpoint(page, errors, '07a3-usage');
    await logEntry.click();
    await page.getByRole('dialog').getByText('Headers').waitFor();
    await checkpoint(page, errors, '07a4-usage-call');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('link', { name: 'My script' }).click();
    await page.getByLabel('Name').fill('My nightly script');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await checkpoint(page, errors, '07b-app-edit');
    // a lost secret is replaced: the new one is shown once and works, the old one does not
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    await page.getByRole('dialog', { name: 'A new secret for My nightly script?' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Regenerate' }).click();
    const renewed = await page.getByLabel('New app secret', { exact: true }).inputValue();
    expect(renewed).toMatch(/^[0-9a-f]{64}$/);
    expect(renewed).not.toBe(secret);
    const tokenWith = (appSecret: string) =>
      h.fetch('/authorization/token', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${key}:${appSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    expect((await tokenWith(renewed)).status).toBe(200);
    expect((await tokenWith(secret)).status).toBeGreaterThanOrEqual(400);
    await checkpoint(page, errors, '07b2-app-secret-regenerated');
    await page.getByRole('button', { name: 'Delete app' }).click();
    await page.getByRole('dialog', { name: 'Delete My nightly script?' }).waitFor();
    await checkpoint(page, errors, '07c-app-delete-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
    await page.getByText('You have no apps yet.').waitFor();
  });

  it('makes a personal access token, shown once, and deletes it', async () => {
    await page.getByRole('link', { name: 'Tokens', exact: true }).click();
    await page.getByLabel('Name').fill('ci');
    await page.getByLabel('Expires on').fill(new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole('checkbox', { name: 'todo' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const access = await page.getByLabel('Access token', { exact: true }).inputValue();
    expect(await statusWithToken(h, world.todoPath, access)).toBe(200);
    await page.getByRole('cell', { name: 'ci', exact: true }).waitFor();
    await checkpoint(page, errors, '07d-token-created');
    await page.getByRole('button', { name: 'Delete token ci' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('You have no tokens.').waitFor();
    await expect.poll(() => statusWithToken(h, world.todoPath, access)).toBe(401);
  });

  it('subscribes a webhook, sees its secret once and every delivery', async () => {
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page
      .getByRole('textbox', { name: 'Event', exact: true })
      .or(page.getByRole('combobox', { name: 'Event', exact: true }))
      .first()
      .click();
    await page.getByRole('option', { name: /^order\.created/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('orders to my shop');
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hook`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(secret.length).toBeGreaterThan(16);
    await checkpoint(page, errors, '07e0-webhook-subscribed');

    const order = await h.fetch('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 42 }),
    });
    expect(order.status).toBeLessThan(300);
    await receiver.waitFor((got) => got.some((hook) => hook.path === '/hook'));
    await page.getByRole('link', { name: 'orders to my shop' }).click();
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByRole('table', { name: 'Deliveries' }).getByText('200').count();
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await checkpoint(page, errors, '07e1-webhook-deliveries');
  });

  it('compares the plans and takes the free one', async () => {
    await page.getByRole('link', { name: 'Plans', exact: true }).click();
    const starter = page.getByRole('region', { name: 'Starter' });
    const pro = page.getByRole('region', { name: 'Pro' });
    await starter.waitFor();
    expect(await starter.textContent()).toContain('Free');
    expect(await pro.textContent()).toMatch(/9[.,]99/);
    await checkpoint(page, errors, '07e2-plans');
    await page.getByRole('button', { name: 'Choose Starter' }).click();
    await starter.getByText('Current').waitFor();
    await page.getByText('Your plan: Starter. Points left: 100.').waitFor();
    await page.getByRole('table', { name: 'Transactions' }).getByRole('cell', { name: 'Starter' }).waitFor();
    await checkpoint(page, errors, '07e3-plan-chosen');
  });

  it('sees the app it allowed under Grants and revokes it', async () => {
    // allowed again (the denial above withdrew the first grant)
    await page.goto(
      `${h.baseUrl}/authorization/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: world.web.key,
        redirect_uri: world.web.redirectUri,
        scope: 'todo',
        state: 'again',
      })}`,
    );
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(world.web.redirectUri));
    await page.goto(`${h.baseUrl}/apps/developer/grants`);
    await page.getByRole('link', { name: 'Todo Web' }).waitFor();
    await checkpoint(page, errors, '07e-grants');
    await page.getByRole('button', { name: 'Revoke Todo Web' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('You have not allowed any app.').waitFor();
  });

  it('changes the password on the account screen', async () => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    expect(await page.getByLabel('Email').inputValue()).toBe(dev.email);
    await page.getByLabel('Current password').fill('wrong password');
    await page.getByLabel('New password', { exact: true }).fill(changedPassword);
    await page.getByLabel('Repeat the new password').fill(changedPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Old password does not match').waitFor();
    await checkpoint(page, errors, '07f-account-password-refused');
    await page.getByLabel('Current password').fill(dev.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed.').waitFor();
    const login = await h.fetch('/consumer/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: dev.name, password: changedPassword }),
    });
    expect(login.status).toBe(200);
  });

  it('refreshes the token quietly before it expires', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/`);
    const before = await storedSession(page);
    expect(before?.token).toBeTruthy();
    // pretend the token runs out in a minute: the portal renews it a minute early
    await storeSession(page, { ...before, expiresAt: Date.now() + 60_500 });
    await page.reload();
    await expect.poll(async () => (await storedSession(page))?.token, { timeout: 10_000 }).not.toBe(before?.token);
    const after = (await storedSession(page))?.token ?? '';
    expect(await statusWithToken(h, '/consumer/account', after)).toBe(200);
    expect(await page.getByRole('link', { name: 'Log out' }).isVisible()).toBe(true);
  });

  it('logs out: the token is revoked and the header offers to log in', async () => {
    const token = (await storedSession(page))?.token ?? '';
    await page.getByRole('link', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    expect(await storedSession(page)).toBeNull();
    await expect.poll(() => statusWithToken(h, '/consumer/account', token)).toBe(401);
    await checkpoint(page, errors, '08-logged-out');
  });

  it('ends a session cleanly when its refresh is refused', async () => {
    await storeSession(page, { token: 'expired', refreshToken: 'refused', expiresAt: Date.now() - 1000 });
    await page.goto(`${h.baseUrl}/apps/developer/authorize?response_type=code&client_id=x&scope=todo`);
    await page.getByText('Your session has ended. Please log in again.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/apps/developer/login');
    expect(await storedSession(page)).toBeNull();
    // page errors of the refused refresh are expected here, not a broken screen
    errors.length = 0;
  });

  it('resets the password from the mailed link and logs in with the new one', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(dev.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await checkpoint(page, errors, '09-reset-requested');

    const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/password/confirm/'));
    await page.goto(portalLink(mail.text, 'password/confirm'));
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await checkpoint(page, errors, '10-reset-confirm');
    await page.getByRole('button', { name: 'Save the password' }).click();
    await page.getByText('Your password was changed. Log in with the new one.').waitFor();

    await page.getByLabel('User name or email').fill(dev.email);
    await page.getByLabel('Password', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Log out' }).waitFor();
  });

  it('works on a phone-sized screen in dark mode', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const small = await phone.newPage();
    const smallErrors = collectPageErrors(small);
    try {
      await small.goto(`${h.baseUrl}/apps/developer/login`);
      await small.getByRole('heading', { name: 'Log in' }).waitFor();
      // the navigation folds into a menu button
      const menu = small.getByRole('button', { name: 'Menu' });
      expect(await menu.isVisible()).toBe(true);
      const width = await small.evaluate<number>('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(390);
      const background = await small.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(background).not.toBe('rgb(255, 255, 255)');
      await checkpoint(small, smallErrors, '11-phone-dark-login');
      await menu.click();
      await small.getByRole('link', { name: 'Getting started' }).click();
      await small.getByRole('heading', { level: 1, name: 'Getting started' }).waitFor();
      await checkpoint(small, smallErrors, '12-phone-dark-page');
    } finally {
      await phone.close();
    }
  });
});
