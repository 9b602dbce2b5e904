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

// the browser drives the admin app; the system database underneath does not matter here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const story = 'admin-exposes-operations-to-agents';

describe.skipIf(!sqlite || !hasChromium)('an administrator decides which operations AI agents see', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const app = (path = '') => `${h.baseUrl}/apps/backend/${path}`;

  async function checkpoint(step: string) {
    await screenshot(page, story, step);
    expect(await seriousViolations(page), step).toEqual([]);
    expect(errors, step).toEqual([]);
  }

  /** The JSON-RPC methods an anonymous caller may call: the public operations that are tools. */
  async function publicTools(): Promise<string[]> {
    const tools = await h.portico.mcp.catalogue.visibleTo({ user: null, app: null, token: null, scopes: [] });
    return tools.map((t) => t.name);
  }

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    const backend = h.admin.backend();
    await backend.action().create({
      name: 'weather-now',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"sky":"clear"}' },
    });
    await backend.operation().create({
      name: 'weather.now',
      httpMethod: 'GET',
      httpPath: '/weather',
      httpCode: 200,
      action: 'weather-now',
      public: true,
      description: 'The weather right now',
    } as never);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 1100 } })).newPage();
    errors = collectPageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('switches an operation off for agents and on again, and the tool list follows', async () => {
    await logInToAdminApp(page, h.baseUrl, adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(await publicTools()).toEqual(['weather.now']);

    const { id } = await h.admin.backend().operation().get('~weather.now');
    await page.goto(app(`operations/${id}`));
    await page.getByRole('heading', { name: 'Operation weather.now' }).waitFor();
    const agents = page.getByLabel('AI agents: an MCP tool and a JSON-RPC method');
    // a described operation is a tool by default
    expect(await agents.isChecked()).toBe(true);
    await checkpoint('01-operation-is-a-tool');
    await agents.uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Operation successfully updated' }).waitFor();
    await checkpoint('02-operation-hidden-from-agents');
    expect((await h.admin.backend().operation().get('~weather.now')).metadata).toEqual({ mcp: 'false' });
    expect(await publicTools()).toEqual([]);
    // HTTP callers are not affected
    expect((await h.fetch('/weather')).status).toBe(200);

    await page.reload();
    await page.getByRole('heading', { name: 'Operation weather.now' }).waitFor();
    expect(await agents.isChecked()).toBe(false);
    await agents.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Operation successfully updated' }).waitFor();
    // back to the default: nothing stored, the description decides
    expect((await h.admin.backend().operation().get('~weather.now')).metadata ?? {}).toEqual({});
    expect(await publicTools()).toEqual(['weather.now']);
  }, 90_000);
});
