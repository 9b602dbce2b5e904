import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { inCi } from './services.js';

/** Debian's chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser stories leave their screenshots (git-ignored). */
export const screenshotDir = fileURLToPath(new URL('../../test-results/screens/', import.meta.url));

/** True when Chromium is installed; otherwise skips (locally) or throws (in CI), like requireService. */
export function requireChromium(): boolean {
  if (fs.existsSync(chromiumPath)) return true;
  const message = `Chromium is not installed at ${chromiumPath} (apt-get install chromium)`;
  if (inCi) throw new Error(`${message} — CI=true, so this is a failure, not a skip`);
  console.warn(`[skip] ${message}: the browser stories are skipped on this machine`);
  return false;
}

/** Headless Chromium with the flags STACK.md lists; never a browser download. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot under test-results/screens/<story>/<step>.png. */
export async function screenshot(page: Page, story: string, step: string): Promise<string> {
  const file = path.join(screenshotDir, story, `${step}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe-core on the page as it is now: the serious and critical violations, described for a failure. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Messages the page logged as errors, and pages that failed: a screen that looks fine can still be broken. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // a refused request is logged by Chromium itself; the screens say what went wrong
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

/**
 * Logs in to the admin app at `baseUrl` as a person does (its login form, by label), and waits for its main
 * navigation: the admin stories start here.
 */
export async function logInToAdminApp(page: Page, baseUrl: string, password: string, user = 'admin'): Promise<void> {
  await page.goto(`${baseUrl}/apps/backend/login`);
  await page.getByLabel('User name or email').fill(user);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** The portal's stored session (localStorage), as the page sees it. */
export async function storedSession(
  page: Page,
): Promise<{ token: string; refreshToken: string; expiresAt: number } | null> {
  return JSON.parse((await page.evaluate<string | null>('localStorage.getItem("portico.session")')) ?? 'null');
}

/** Replaces the portal's stored session (null removes it). */
export async function storeSession(page: Page, session: object | null): Promise<void> {
  const value = JSON.stringify(session === null ? null : JSON.stringify(session));
  await page.evaluate(
    session === null
      ? 'localStorage.removeItem("portico.session")'
      : `localStorage.setItem("portico.session", ${value})`,
  );
}
