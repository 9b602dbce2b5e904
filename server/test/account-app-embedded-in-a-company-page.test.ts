import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
} from './support/browser.js';
import { newDeveloper } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { statusWithToken } from './support/oauth-fixtures.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'account-app-embedded';
const examplePage = fileURLToPath(new URL('../../examples/account-embed/index.html', import.meta.url));

/** What the page's getComputedStyle gives (the server's types know no DOM). */
type Styled = { getComputedStyle(e: unknown): { backgroundColor: string; fontFamily: string } };

/** The example page on an origin of its own, pointed at this test's Portico (as a company's site would be). */
async function serveExample(porticoUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = fs.readFileSync(examplePage, 'utf8').replaceAll('http://127.0.0.1:8080', porticoUrl);
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.skipIf(!sqlite || !hasChromium)('a company embeds the account app in its own page', () => {
  let h: Harness;
  let inbox: SmtpInbox;
  let example: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const dev = newDeveloper('embed');

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { MAILER_URL: inbox.mailerUrl });
    example = await serveExample(h.baseUrl);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    errors = collectPageErrors(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await example?.close();
    await h?.close();
    await inbox?.close();
  });

  it('shows the login inside the page, themed by it, without touching the page', async () => {
    await page.goto(example.url);
    const account = page.locator('portico-account');
    await account.getByRole('heading', { name: 'Log in' }).waitFor();
    // the page's own look is untouched; the element takes the page's colour and font
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(250, 247, 242)');
    const button = account.getByRole('button', { name: 'Log in' }).last();
    // (runs in the page: no helpers from here)
    expect(await button.evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).backgroundColor)).toBe(
      'rgb(166, 66, 14)',
    );
    expect(await button.evaluate((el) => (globalThis as unknown as Styled).getComputedStyle(el).fontFamily)).toContain(
      'Georgia',
    );
    await screenshot(page, story, '01-login');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('registers, is activated from the mail, logs in and creates an app', async () => {
    const account = page.locator('portico-account');
    await account.getByRole('link', { name: 'Create an account' }).click();
    await account.getByLabel('User name', { exact: true }).fill(dev.name);
    await account.getByLabel('Email', { exact: true }).fill(dev.email);
    await account.getByLabel('Password', { exact: true }).fill(dev.password);
    await account.getByLabel('Repeat the password').fill(dev.password);
    await account.getByRole('button', { name: 'Create account' }).click();
    await account.getByRole('heading', { name: 'Check your email' }).waitFor();
    await screenshot(page, story, '02-registered');

    // the mail's link leads to the developer portal, which Portico serves
    const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/register/activate/'));
    const link = /https?:\/\/\S+\/apps\/developer\/register\/activate\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0] ?? '';
    const portal = await page.context().newPage();
    await portal.goto(link);
    await portal.getByText('Your account is active.').waitFor();
    await portal.close();

    await account.getByRole('link', { name: 'Go to log in' }).click();
    await account.getByLabel('User name or email').fill(dev.name);
    await account.getByLabel('Password', { exact: true }).fill(dev.password);
    await account.getByRole('button', { name: 'Log in' }).last().click();
    await account.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await account.getByLabel('Email', { exact: true }).inputValue()).toBe(dev.email);
    await screenshot(page, story, '03-account');
    expect(await seriousViolations(page)).toEqual([]);

    await account.getByRole('tab', { name: 'Apps' }).click();
    await account.getByRole('link', { name: 'Create app' }).click();
    await account.getByLabel('Name', { exact: true }).fill('Shop sync');
    await account.getByLabel('URL', { exact: true }).fill('https://shop.example');
    await account.getByRole('checkbox', { name: 'consumer.app' }).check();
    await account.getByRole('button', { name: 'Create app' }).click();
    await account.getByRole('heading', { name: 'Your app is ready' }).waitFor();
    const key = await account.getByLabel('App key', { exact: true }).inputValue();
    const secret = await account.getByLabel('App secret', { exact: true }).inputValue();
    await screenshot(page, story, '04-app-created');
    expect(await seriousViolations(page)).toEqual([]);

    // the credentials are real
    const token = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await token.json()) as { access_token?: string };
    expect(token.status).toBe(200);
    expect(await statusWithToken(h, '/consumer/app', body.access_token ?? '')).toBe(200);
    expect(errors).toEqual([]);
  });

  it('serves its script to other sites with CORS, from a stable address', async () => {
    const res = await fetch(`${h.baseUrl}/apps/account/embed.js`, { headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toMatch(/import '\.\.\/assets\/embed-[\w-]{8}\.js'/);
  });
});
