import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the example's own legacy app and worker, started in this process as start.mjs starts them
import { startLegacyApp } from '../../examples/hosting-provider/legacy/app.mjs';
import { openDatabase } from '../../examples/hosting-provider/legacy/database.mjs';
import { startWorker } from '../../examples/hosting-provider/legacy/worker.mjs';
import {
  deployConfiguration,
  describeChanges,
  exportConfiguration,
  operationsByName,
} from '../src/api/configuration/engine.js';
import { parseConfiguration } from '../src/api/configuration/file.js';
import { platformOperations } from '../src/api/index.js';
import type { Caller } from '../src/auth/caller.js';
import {
  collectPageErrors,
  launchChromium,
  requireChromium,
  screenshot,
  seriousViolations,
} from './support/browser.js';
import { newDeveloper } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { allowPrivateWebhooks, eventually, fastEvents } from './support/events-helpers.js';
import { type Receiver, startReceiver } from './support/events-receiver.js';
import { type Harness, startHarness } from './support/harness.js';
import { requireService } from './support/services.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

const run = promisify(execFile);
const example = path.resolve(import.meta.dirname, '../../examples/hosting-provider');
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');
const postgresUrl = process.env.PORTICO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');
const hasChromium = requireChromium();
const services =
  (await requireService('PostgreSQL (the hosting app database)', '127.0.0.1', 5432)) &&
  (await requireService('RabbitMQ', '127.0.0.1', 5672));
const story = 'hosting-provider-api-product';
const operator: Caller = { user: null, app: null, token: null, scopes: ['authorization', 'backend', 'consumer'] };
const operations = operationsByName(platformOperations);

/** Each browser step: no serious accessibility violation, no script error, a screenshot to look at. */
async function checkpoint(page: Page, errors: string[], step: string) {
  await screenshot(page, story, step);
  expect(await seriousViolations(page), step).toEqual([]);
  expect(errors, step).toEqual([]);
}

describe.skipIf(!sqlite || !hasChromium || !services)(
  'the hosting provider becomes an API product: portal, scopes, form, queue, webhook, plans, export',
  { timeout: 120_000 },
  () => {
    const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
    const schema = `hosting_${suffix}`;
    const queue = `hosting_shutdown_${suffix}`;
    const dev = newDeveloper('host');
    let h: Harness;
    let second: Harness;
    let inbox: SmtpInbox;
    let receiver: Receiver;
    let db: ReturnType<typeof openDatabase>;
    let panel: { url: string; close(): Promise<void> };
    let worker: { close(): Promise<void> };
    let browser: Browser;
    let page: Page;
    let errors: string[];
    let env: Record<string, string>;
    let writer = '';
    let reader = '';

    const api = (pathname: string, token: string, init: RequestInit = {}) =>
      h.fetch(pathname, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

    async function appToken(key: string, secret: string, scope: string): Promise<string> {
      const res = await h.fetch('/authorization/token', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      expect(res.status).toBe(200);
      return String(((await res.json()) as { access_token: string }).access_token);
    }

    beforeAll(async () => {
      process.env.HOSTING_CALLBACK_SECRET = `callback-${suffix}-0123456789abcdef`;
      inbox = await startSmtpInbox();
      receiver = await startReceiver();
      const actions = { ACTIONS_DIR: path.join(example, 'actions') };
      [h, second] = await Promise.all([
        startHarness(
          sqlite as NonNullable<typeof sqlite>,
          { MAILER_URL: inbox.mailerUrl, ...actions },
          { events: fastEvents },
        ),
        startHarness(sqlite as NonNullable<typeof sqlite>, actions),
      ]);
      db = openDatabase(postgresUrl, schema);
      await db.migrate();
      const callback = { callbackUrl: `${h.baseUrl}/hooks/server-state`, secret: process.env.HOSTING_CALLBACK_SECRET };
      const quiet = { info() {}, error() {} };
      panel = await startLegacyApp({ db, port: 0, ...callback, log: quiet });
      worker = await startWorker({ db, amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', queue, ...callback, log: quiet });
      env = {
        HOSTING_DB_URL: postgresUrl,
        HOSTING_SCHEMA: schema,
        HOSTING_PANEL_URL: panel.url,
        HOSTING_AMQP_HOST: '127.0.0.1',
        HOSTING_AMQP_USER: 'guest',
        HOSTING_AMQP_PASSWORD: 'guest',
        HOSTING_QUEUE: queue,
      };
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      context.setDefaultTimeout(15_000);
      page = await context.newPage();
      errors = collectPageErrors(page);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await worker?.close();
      await panel?.close();
      await h?.close();
      await second?.close();
      await inbox?.close();
      await receiver?.close();
      if (db) {
        await db.pool.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
        await db.close();
      }
      const broker = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672').catch(() => null);
      if (broker) {
        const channel = await broker.createChannel();
        await channel.deleteQueue(queue).catch(() => {});
        await broker.close().catch(() => {});
      }
    });

    it('deploys the example portico.yaml, its secrets from the environment', async () => {
      const file = parseConfiguration(fs.readFileSync(path.join(example, 'portico.yaml'), 'utf8'));
      const result = await deployConfiguration(
        h.portico.platform,
        operations,
        { caller: operator, label: 'deploy portico.yaml', ip: '127.0.0.1' },
        file,
        { env, prune: false, dryRun: false },
      );
      expect(result.applied).toBe(true);
      expect(describeChanges(result.changes)).toContain('+ operations servers.start (created)');
      // the test's webhook receiver listens on 127.0.0.1, which production refuses
      await allowPrivateWebhooks(h.admin);
      expect((await h.fetch('/servers')).status).toBe(401);
    });

    it('a developer reads the API page, registers, activates by mail and makes an app with servers.write', async () => {
      await page.goto(`${h.baseUrl}/apps/developer/page/servers-api`);
      await page.getByRole('heading', { level: 1, name: 'The HostCo servers API' }).waitFor();
      expect(await page.getByRole('table').first().textContent()).toContain('POST /servers/{id}/shutdown');
      await checkpoint(page, errors, '01-api-page');

      await page.getByRole('link', { name: 'Register' }).click();
      await page.getByLabel('User name', { exact: true }).fill(dev.name);
      await page.getByLabel('Email').fill(dev.email);
      await page.getByLabel('Password', { exact: true }).fill(dev.password);
      await page.getByLabel('Repeat the password').fill(dev.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/register/activate/'));
      const link = /https?:\/\/\S+\/apps\/developer\/register\/activate\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
      expect(link).toBeDefined();
      await page.goto(String(link));
      await page.getByText('Your account is active.').waitFor();
      await page.getByRole('link', { name: 'Log in' }).last().click();
      await page.getByLabel('User name or email').fill(dev.name);
      await page.getByLabel('Password', { exact: true }).fill(dev.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('link', { name: 'Log out' }).waitFor();

      await page.getByRole('link', { name: 'Apps', exact: true }).click();
      await page.getByRole('link', { name: 'Create app' }).click();
      await page.getByLabel('Name').fill('Ops script');
      await page.getByLabel('URL').fill('https://ops.example');
      // the sign-up role of the file (Customer) offers the servers scopes
      await page.getByRole('checkbox', { name: 'servers.read' }).check();
      await page.getByRole('checkbox', { name: 'servers.write' }).check();
      await checkpoint(page, errors, '02-app-form');
      await page.getByRole('button', { name: 'Create app' }).click();
      await page.getByRole('heading', { name: 'Your app is ready' }).waitFor();
      const key = await page.getByLabel('App key', { exact: true }).inputValue();
      const secret = await page.getByLabel('App secret', { exact: true }).inputValue();
      await checkpoint(page, errors, '03-app-created');
      writer = await appToken(key, secret, 'servers.read,servers.write');

      // a second app of the same developer, for reading only
      await page.getByRole('link', { name: 'Apps', exact: true }).click();
      await page.getByRole('link', { name: 'Create app' }).click();
      await page.getByLabel('Name').fill('Dashboard');
      await page.getByLabel('URL').fill('https://dash.example');
      await page.getByRole('checkbox', { name: 'servers.read' }).check();
      await page.getByRole('button', { name: 'Create app' }).click();
      await page.getByRole('heading', { name: 'Your app is ready' }).waitFor();
      reader = await appToken(
        await page.getByLabel('App key', { exact: true }).inputValue(),
        await page.getByLabel('App secret', { exact: true }).inputValue(),
        'servers.read',
      );

      // and subscribes a webhook to the state changes
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page
        .getByRole('textbox', { name: 'Event', exact: true })
        .or(page.getByRole('combobox', { name: 'Event', exact: true }))
        .first()
        .click();
      await page.getByRole('option', { name: /^server\.state_changed/ }).click();
      await page.getByLabel('Name', { exact: true }).fill('ops-alerts');
      await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hostco`);
      await page.getByRole('button', { name: 'Subscribe' }).click();
      expect((await page.getByLabel('Signing secret', { exact: true }).inputValue()).length).toBeGreaterThan(16);
      await checkpoint(page, errors, '04-webhook');
    });

    it('lists servers from the legacy table, starts one through its form, refuses a second start', async () => {
      const list = await api('/servers', reader);
      expect(list.status).toBe(200);
      const body = (await list.json()) as { totalResults: number; entry: { name: string; state: string }[] };
      expect(body.totalResults).toBe(3);
      expect(body.entry.map((s) => `${s.name}:${s.state}`)).toEqual(['web-1:running', 'web-2:stopped', 'db-1:running']);
      expect(((await (await api('/servers/2', reader)).json()) as { name: string }).name).toBe('web-2');

      const started = await api('/servers/2/start', writer, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'customer asked' }),
      });
      expect(started.status).toBe(200);
      expect(started.headers.get('x-powered-by')).toBeNull();
      // the form's HTML answer, as JSON
      expect(await started.json()).toEqual({ id: 2, state: 'running', message: 'Server web-2 is running.' });
      expect((await db.find(2))?.state).toBe('running');

      const again = await api('/servers/2/start', writer, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(again.status).toBe(409);
      // the panel's HTML error page never reaches the caller
      expect(await again.text()).not.toContain('<html');
      const bad = await api('/servers/2/start', writer, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'x', force: true }),
      });
      expect(bad.status).toBe(400);
    });

    it('refuses start and shutdown to a token without servers.write (403), changing nothing', async () => {
      for (const action of ['start', 'shutdown']) {
        const refused = await api(`/servers/1/${action}`, reader, { method: 'POST' });
        expect(refused.status).toBe(403);
      }
      expect((await db.find(1))?.state).toBe('running');
    });

    it('shuts a server down through the queue: 202, the worker changes the database, the webhook fires', async () => {
      const accepted = await api('/servers/1/shutdown', writer, { method: 'POST' });
      expect(accepted.status).toBe(202);
      await eventually(async () => (await db.find(1))?.state === 'stopped', 15_000);
      await receiver.waitFor(
        (hooks) => hooks.some((hook) => hook.body.includes('"state":"stopped"') && hook.body.includes('"id":1')),
        15_000,
      );
      const hook = receiver.received.find((r) => r.body.includes('"state":"stopped"'));
      expect(hook?.path).toBe('/hostco');
      expect(JSON.parse(String(hook?.body))).toMatchObject({ id: 1, name: 'web-1', state: 'stopped' });
      // the start through the form raised it too
      expect(receiver.received.some((r) => r.body.includes('"id":2') && r.body.includes('"running"'))).toBe(true);

      // a forged callback raises nothing
      const forged = await h.fetch('/hooks/server-state', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hosting-signature': '00'.repeat(32) },
        body: JSON.stringify({ id: 3, state: 'stopped', at: Math.floor(Date.now() / 1000) }),
      });
      expect(forged.status).toBe(401);
    });

    it('answers 429 once the free allowance of the hour is used', async () => {
      let last: Response | undefined;
      for (let i = 0; i < 70; i++) {
        last = await api('/servers', reader);
        if (last.status === 429) break;
        expect(last.status).toBe(200);
      }
      expect(last?.status).toBe(429);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('exports the running installation, which deploys unchanged into an empty one', async () => {
      const exported = await exportConfiguration(h.portico.platform, operations, operator);
      // the broker's password and the database URL (which carries its password) are never exported
      expect(exported.yaml).toContain('password: \u0024{env:CONNECTION_HOSTING_QUEUE_PASSWORD}');
      expect(exported.yaml).not.toContain(postgresUrl);
      expect(exported.variables).toEqual(
        expect.arrayContaining(['CONNECTION_HOSTING_DB_URL', 'CONNECTION_HOSTING_QUEUE_PASSWORD']),
      );
      const secrets = { CONNECTION_HOSTING_DB_URL: postgresUrl, CONNECTION_HOSTING_QUEUE_PASSWORD: 'guest' };
      const applied = await deployConfiguration(
        second.portico.platform,
        operations,
        { caller: operator, label: 'deploy export.yaml', ip: '127.0.0.1' },
        parseConfiguration(exported.yaml),
        { env: secrets, prune: false, dryRun: false },
      );
      expect(applied.applied).toBe(true);
      expect((await second.fetch('/servers')).status).toBe(401);

      // the same file again, through the second installation's API: nothing to do
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-hosting-'));
      fs.writeFileSync(path.join(work, 'export.yaml'), exported.yaml);
      const { stdout } = await run(process.execPath, [bin, 'deploy', 'export.yaml'], {
        cwd: work,
        env: {
          PATH: process.env.PATH ?? '',
          PORTICO_URL: second.baseUrl,
          PORTICO_TOKEN: await second.adminToken(),
          ...secrets,
        },
        timeout: 60_000,
      });
      fs.rmSync(work, { recursive: true, force: true });
      expect(stdout).toContain('No changes: the installation already matches the file.');
    });
  },
);
