/**
 * Fusio's own web apps against Portico: serves a build of apioo/fusio-apps-backend (and, if given,
 * apioo/fusio-apps-developer) beside a fresh Portico, logs in with Chromium and opens every screen of
 * their menus, recording each call to Portico that failed (status ≥ 400 or no answer) and each script
 * error. The apps' sources come from GitHub, which CI cannot reach, so this is a tool for a developer's
 * machine, not part of `npm test`; docs/fusio-apps.md says how to build them and holds the last result.
 *
 *   node --import tsx scripts/fusio-apps/check.ts --backend DIR [--developer DIR] [--report FILE]
 *
 * DIR is an app's build output (the folder holding index.html).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../server/test/support/browser.js';
import { systemDatabases } from '../../server/test/support/databases.js';
import { adminPassword, freePort, type Harness, startHarness } from '../../server/test/support/harness.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    developer: { type: 'string' },
    report: { type: 'string' },
    screens: { type: 'string', default: 'test-results/fusio-apps' },
  },
});
if (!values.backend && !values.developer) {
  console.error('usage: check.ts --backend DIR [--developer DIR] [--report FILE]');
  process.exit(2);
}

interface Failure {
  readonly screen: string;
  readonly call: string;
  readonly status: number | string;
  readonly detail: string;
}
interface AppResult {
  readonly app: string;
  readonly menu: string[];
  readonly screens: string[];
  readonly failures: Failure[];
  readonly scriptErrors: { screen: string; message: string }[];
}

/** A static server for an Angular build: its index.html for every path that is not a file, pointed at Portico. */
async function serveBuild(dir: string, apiUrl: string, appKey: string): Promise<{ url: string; close(): void }> {
  const port = await freePort();
  const types: Record<string, string> = {
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.html': 'text/html',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.json': 'application/json',
    '.woff2': 'font/woff2',
    '.ttf': 'font/ttf',
  };
  const index = fs
    .readFileSync(path.join(dir, 'index.html'), 'utf8')
    // the placeholders Fusio's own server fills in when it serves the apps
    .replaceAll(`$\{API_URL}`, apiUrl)
    .replaceAll(`$\{APP_KEY}`, appKey)
    .replace(/<base href="[^"]*">/, '<base href="/">');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(dir, path.normalize(decodeURIComponent(url.pathname)));
    if (file.startsWith(dir) && fs.existsSync(file) && fs.statSync(file).isFile() && !file.endsWith('index.html')) {
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(index);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

function watch(page: Page, apiUrl: string, failures: Failure[], scriptErrors: AppResult['scriptErrors']) {
  const state = { screen: 'login' };
  page.on('response', async (response) => {
    if (!response.url().startsWith(apiUrl) || response.status() < 400) return;
    const request = response.request();
    let detail = '';
    try {
      detail = (await response.text()).slice(0, 200);
    } catch {}
    failures.push({
      screen: state.screen,
      call: `${request.method()} ${response.url().slice(apiUrl.length)}`,
      status: response.status(),
      detail,
    });
  });
  page.on('requestfailed', (request) => {
    // a call cut short because the check moved on to the next screen is no failure of Portico's
    if (!request.url().startsWith(apiUrl) || request.failure()?.errorText === 'net::ERR_ABORTED') return;
    failures.push({
      screen: state.screen,
      call: `${request.method()} ${request.url().slice(apiUrl.length)}`,
      status: 'failed',
      detail: request.failure()?.errorText ?? '',
    });
  });
  page.on('pageerror', (error) => scriptErrors.push({ screen: state.screen, message: error.message.slice(0, 200) }));
  return state;
}

async function settle(page: Page) {
  await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(300);
}

async function login(page: Page, appUrl: string, user: string, password: string) {
  await page.goto(`${appUrl}/login`);
  await page.getByLabel(/username/i).fill(user);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /login/i }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
  await settle(page);
}

/** Opens every menu entry of the logged-in app, and each entity's "new" form. */
async function walk(
  page: Page,
  app: string,
  appUrl: string,
  state: { screen: string },
  shots: string,
  extra: (href: string) => string[],
): Promise<{ menu: string[]; screens: string[] }> {
  await page.screenshot({ path: path.join(shots, `${app}_after-login.png`) });
  const hrefs = await page.evaluate(() =>
    [...document.querySelectorAll('a[href]')]
      .map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? '')
      .filter((href) => href.startsWith('/') && !href.startsWith('//')),
  );
  const menu = [...new Set(hrefs)].filter((h) => h !== '/' && !h.startsWith('/logout'));
  const screens: string[] = [];
  for (const href of menu.flatMap((h) => [h, ...extra(h)])) {
    state.screen = href;
    await page.goto(`${appUrl}${href}`);
    await settle(page);
    screens.push(href);
    await page.screenshot({ path: path.join(shots, `${app}${href.replaceAll('/', '_')}.png`), fullPage: false });
    // the first entry of a list, if it has one: its detail screen loads more than the list did
    const detail = await page.evaluate(
      (list) =>
        [...document.querySelectorAll('a[href]')]
          .map((a) => a.getAttribute('href') ?? '')
          .find((h) => h.startsWith(`${list}/`) && /\/\d+$/.test(h)),
      href,
    );
    if (detail) {
      state.screen = detail;
      await page.goto(`${appUrl}${detail}`);
      await settle(page);
      screens.push(detail);
    }
  }
  return { menu, screens };
}

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
if (!sqlite) throw new Error('SQLite is not available');
const h: Harness = await startHarness(sqlite);
fs.mkdirSync(values.screens as string, { recursive: true });
const browser = await launchChromium();
const results: AppResult[] = [];
try {
  // something in every list, so lists render rows and details open
  const backend = h.admin.backend();
  await backend.action().create({
    name: 'check-action',
    class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
    config: { response: '{"ok":true}' },
  });
  await backend.operation().create({
    name: 'check.get',
    httpMethod: 'GET',
    httpPath: '/check',
    action: 'check-action',
    public: true,
  } as never);

  if (values.backend) {
    const served = await serveBuild(path.resolve(values.backend), h.baseUrl, '');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const failures: Failure[] = [];
    const scriptErrors: AppResult['scriptErrors'] = [];
    const state = watch(page, h.baseUrl, failures, scriptErrors);
    await login(page, served.url, 'admin', adminPassword);
    const walked = await walk(page, 'backend', served.url, state, values.screens as string, (href) =>
      [
        '/dashboard',
        '/statistic',
        '/generator',
        '/sdk',
        '/specification',
        '/marketplace',
        '/backup',
        '/trash',
        '/log',
        '/error',
        '/token',
        '/transaction',
        '/audit',
        '/config',
      ].includes(href)
        ? []
        : [`${href}/-/new`],
    );
    results.push({ app: 'fusio-apps-backend', ...walked, failures, scriptErrors });
    await page.close();
    served.close();
  }
  if (values.developer) {
    const app = await backend.app().create({
      userId: 1,
      status: 1,
      name: 'fusio-developer-app',
      url: 'https://example.com',
      scopes: ['consumer'],
    } as never);
    const created = (await backend.app().get(String((app as { id?: number }).id ?? ''))) as { appKey?: string };
    const served = await serveBuild(path.resolve(values.developer), h.baseUrl, created.appKey ?? '');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const failures: Failure[] = [];
    const scriptErrors: AppResult['scriptErrors'] = [];
    const state = watch(page, h.baseUrl, failures, scriptErrors);
    await page.goto(served.url);
    await settle(page);
    await login(page, served.url, 'admin', adminPassword);
    const walked = await walk(page, 'developer', served.url, state, values.screens as string, () => []);
    results.push({ app: 'fusio-apps-developer', ...walked, failures, scriptErrors });
    await page.close();
    served.close();
  }
} finally {
  await browser.close();
  await h.close();
}

const lines: string[] = [];
for (const r of results) {
  lines.push(`## ${r.app}`, '');
  lines.push(
    `Menu entries: ${r.menu.length}; screens opened: ${r.screens.length}; failed calls: ${r.failures.length}; script errors: ${r.scriptErrors.length}`,
    '',
  );
  lines.push(`Menu: ${r.menu.join(' ')}`, '');
  for (const f of r.failures)
    lines.push(`- ${f.screen}: \`${f.call}\` → ${f.status} ${f.detail.replaceAll('\n', ' ')}`);
  for (const e of r.scriptErrors) lines.push(`- ${e.screen}: script error ${e.message.replaceAll('\n', ' ')}`);
  lines.push('');
}
const report = lines.join('\n');
if (values.report) fs.writeFileSync(values.report, report);
console.log(report);
process.exit(results.some((r) => r.failures.length > 0 || r.scriptErrors.length > 0) ? 1 : 0);
