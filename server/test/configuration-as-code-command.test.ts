import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases, type TestDatabase } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { TestUpstream } from './support/http-upstream.js';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');

/** SQLite in a file, so the command and the running node share it (the harness's default is in memory). */
function onDisk(database: TestDatabase): TestDatabase {
  if (database.kind !== 'sqlite') return database;
  return {
    kind: 'sqlite',
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-deploy-db-'));
      return { url: `sqlite:${path.join(dir, 'portico.db')}`, drop: async () => fs.rmSync(dir, { recursive: true }) };
    },
  };
}

const openapi = `openapi: 3.0.3
info: { title: Hosting, version: 1.0.0 }
paths:
  /servers/{id}:
    get:
      operationId: getServer
      responses:
        '200':
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Server' }
  /servers/{id}/start:
    post:
      operationId: startServer
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { reason: { type: string } }, required: [reason] }
      responses:
        '202': { description: accepted }
components:
  schemas:
    Server: { type: object, properties: { id: { type: string }, state: { type: string } } }
`;

describe.each(await systemDatabases())(
  'the deploy commands against a running node on $kind',
  { timeout: 180_000 },
  (database) => {
    let h: Harness;
    let upstream: TestUpstream;
    let work: string;

    async function portico(args: string[], env: Record<string, string> = {}) {
      try {
        const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
          cwd: work,
          env: {
            ...process.env,
            DATABASE_URL: h.databaseUrl,
            PORTICO_DATA_DIR: work,
            PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
            LOG_LEVEL: 'warn',
            ...env,
          },
          timeout: 90_000,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }

    /** The running node hears of a change made by the command through the change feed (polled twice a second). */
    async function eventually(pathname: string, status: number, init?: RequestInit): Promise<Response> {
      const until = Date.now() + 15_000;
      for (;;) {
        const res = await h.fetch(pathname, init);
        if (res.status === status || Date.now() > until) return res;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    beforeAll(async () => {
      upstream = await TestUpstream.start();
      upstream.on('/legacy/servers/', (request, res) => {
        res.setHeader('content-type', 'application/json');
        res.statusCode = request.method === 'POST' ? 202 : 200;
        res.end(
          JSON.stringify({
            id: request.path.split('/')[3],
            state: 'running',
            auth: request.headers.authorization ?? null,
          }),
        );
      });
      h = await startHarness(onDisk(database));
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-deploy-'));
      fs.writeFileSync(path.join(work, 'openapi.yaml'), openapi);
    });

    afterAll(async () => {
      await h?.close();
      await upstream?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('imports an OpenAPI document into proxy operations that answer on the running node', async () => {
      const base = `${upstream.url}/legacy`;
      const fragment = await portico(['import', 'openapi.yaml', '--upstream', base, '--output', 'hosting.yaml']);
      expect(fragment.code, fragment.stderr).toBe(0);
      const yaml = fs.readFileSync(path.join(work, 'hosting.yaml'), 'utf8');
      expect(yaml).toMatch(/^# yaml-language-server: \$schema=/);
      expect(yaml).toContain('httpPath: /servers/:id/start');

      const dry = await portico(['deploy', 'hosting.yaml', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('+ operations getServer (created)');
      expect(dry.stdout).toContain('+ schemas Server (created)');
      expect(dry.stdout).toContain('Dry run: nothing was changed.');
      expect((await h.fetch('/servers/7')).status).toBe(404);

      const applied = await portico(['import', 'openapi.yaml', '--upstream', base, '--apply']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/Applied \d+ changes\./);
      const got = await eventually('/servers/7', 200);
      expect(got.status).toBe(200);
      expect(await got.json()).toMatchObject({ id: '7', state: 'running' });
      expect(upstream.last().path).toBe('/legacy/servers/7');
      // the request body's schema came along: a start without its reason is refused before the upstream
      const before = upstream.requests.length;
      const refused = await h.fetch('/servers/7/start', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(400);
      expect(upstream.requests.length).toBe(before);
      const started = await h.fetch('/servers/7/start', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"reason":"maintenance over"}',
      });
      expect(started.status).toBe(202);

      // the same file again: nothing to do
      const again = await portico(['deploy', 'hosting.yaml']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('No changes: the installation already matches the file.');
    });

    it('exports, and deploys a changed file with its secret from the environment; refuses a missing one', async () => {
      const exported = await portico(['export', '--output', 'portico.yaml']);
      expect(exported.code, exported.stderr).toBe(0);
      let yaml = fs.readFileSync(path.join(work, 'portico.yaml'), 'utf8');
      expect(yaml).toContain('name: getServer');
      // the upstream now wants a bearer token: a connection whose token comes from the environment
      yaml = yaml
        .replace(
          /^connections: \[\]\n/m,
          `connections:\n  - name: legacy\n    class: Fusio.Adapter.Http.Connection.Http\n    config:\n      url: ${upstream.url}/legacy\n      auth: bearer\n      token: \${env:LEGACY_TOKEN}\n`,
        )
        .replace(`url: ${upstream.url}/legacy/servers/{id}\n`, 'connection: legacy\n      url: /servers/{id}\n');
      expect(yaml).toContain('connection: legacy');
      fs.writeFileSync(path.join(work, 'portico.yaml'), yaml);

      const missing = await portico(['deploy', 'portico.yaml']);
      expect(missing.code).toBe(1);
      const line = yaml.split('\n').findIndex((l) => l.includes('\u0024{env:LEGACY_TOKEN}')) + 1;
      expect(missing.stderr).toContain(
        `line ${line}: connections "legacy": environment variable LEGACY_TOKEN is not set`,
      );

      const deployed = await portico(['deploy', 'portico.yaml'], { LEGACY_TOKEN: 'from-the-vault' });
      expect(deployed.code, deployed.stderr).toBe(0);
      expect(deployed.stdout).toContain('+ connections legacy (created)');
      expect(deployed.stdout).toContain('~ actions getServer: config.connection, config.url');
      // the node answered the old way until the change feed brought the new action
      const until = Date.now() + 15_000;
      let body: unknown;
      do {
        body = await (await h.fetch('/servers/9')).json();
        if ((body as { auth: unknown }).auth !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      } while (Date.now() < until);
      expect(body).toMatchObject({ id: '9', auth: 'Bearer from-the-vault' });

      const reexport = await portico(['export']);
      expect(reexport.stdout).not.toContain('from-the-vault');
      expect(reexport.stdout).toContain('token: \u0024{env:CONNECTION_LEGACY_TOKEN}');
    });
  },
);
