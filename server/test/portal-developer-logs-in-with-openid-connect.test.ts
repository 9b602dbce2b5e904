import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
  storedSession,
} from './support/browser.js';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { type LocalOidcProvider, startOidcProvider } from './support/identity-oidc.js';
import { statusWithToken } from './support/oauth-fixtures.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'developer-logs-in-with-openid-connect';
const client = { id: 'portal-oidc', secret: 'portal-oidc-secret-0123456789' };

describe.skipIf(!sqlite || !hasChromium)('a developer logs in to the portal with an OpenID Connect provider', () => {
  let h: Harness;
  let oidc: LocalOidcProvider;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    const db = h.portico.platform.db;
    // a fresh install's Developer app carries the portal's identities
    const app = await db.selectFrom('apps').select('id').where('name', '=', 'Developer').executeTakeFirstOrThrow();
    const port = await freePort();
    const created = await h.admin
      .backend()
      .identity()
      .create({
        appId: app.id,
        name: 'company-sso',
        class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
        config: { client_id: client.id, client_secret: client.secret, issuer: `http://127.0.0.1:${port}` },
      });
    oidc = await startOidcProvider(port, [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [`${h.baseUrl}/consumer/identity/${created.id}/exchange`],
      },
    ]);
    oidc.accounts.set('jane', {
      email: 'jane@example.com',
      email_verified: true,
      name: 'Jane',
      preferred_username: 'jane',
    });
    browser = await launchChromium();
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    errors = collectPageErrors(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await oidc?.close();
    await h?.close();
  });

  it('offers the provider on the login screen and comes back logged in', async () => {
    await page.goto(`${h.baseUrl}/apps/developer/login`);
    const button = page.getByRole('link', { name: 'Log in with company-sso' });
    await button.waitFor();
    await screenshot(page, story, '01-login-with-provider');
    expect(await seriousViolations(page)).toEqual([]);

    await button.click();
    // the provider's own (development) login and consent pages
    await page.waitForURL((url) => url.origin === oidc.issuer);
    await page.locator('input[name="login"]').fill('jane');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();

    // Portico's exchange hands the tokens to the portal's callback in the fragment
    await page.getByRole('link', { name: 'Log out' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/apps\/developer\/?$/);
    expect(new URL(page.url()).hash).toBe('');
    const session = await storedSession(page);
    expect(await statusWithToken(h, '/consumer/account', session?.token ?? '')).toBe(200);
    const account = await (
      await h.fetch('/consumer/account', { headers: { authorization: `Bearer ${session?.token}` } })
    ).json();
    expect(account).toMatchObject({ email: 'jane@example.com' });
    await screenshot(page, story, '02-logged-in');
    expect(errors).toEqual([]);
  });

  it('says so when the provider login did not work', async () => {
    await page.goto(
      `${h.baseUrl}/apps/developer/login/callback?error=access_denied&error_description=The+user+cancelled`,
    );
    await page.getByRole('alert').filter({ hasText: 'The user cancelled' }).waitFor();
    expect(await page.getByRole('link', { name: 'Back to log in' }).isVisible()).toBe(true);
    await screenshot(page, story, '03-callback-error');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
