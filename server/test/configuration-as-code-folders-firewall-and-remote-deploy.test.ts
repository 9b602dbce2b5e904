import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Applier,
  deployConfiguration,
  exportConfiguration,
  operationsByName,
} from '../src/api/configuration/engine.js';
import { parseConfiguration } from '../src/api/configuration/file.js';
import { platformOperations } from '../src/api/index.js';
import type { Caller } from '../src/auth/caller.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');
const operations = operationsByName(platformOperations);
const operator: Caller = { user: null, app: null, token: null, scopes: ['authorization', 'backend', 'consumer'] };
const applier: Applier = { caller: operator, label: 'deploy test.yaml', ip: '127.0.0.1' };

async function taxonomyOf(h: Harness, table: 'operations' | 'actions', name: string): Promise<string | null> {
  const row = await h.portico.platform.db
    .selectFrom(table)
    .leftJoin('taxonomies', 'taxonomies.id', `${table}.taxonomy_id`)
    .select('taxonomies.name as folder')
    .where(`${table}.name`, '=', name)
    .executeTakeFirstOrThrow();
  return row.folder ?? null;
}

describe.each(await systemDatabases())(
  'folders, firewall rules and a deploy through a running installation on $kind',
  { timeout: 180_000 },
  (database) => {
    let source: Harness;
    let target: Harness;
    let work: string;
    let exported: string;
    let appId: number;
    let platformOperation: { id: number; name: string };

    /** `portico deploy --url`: no database settings at all, only the installation's address and a token. */
    async function remote(args: string[], env: Record<string, string> = {}) {
      try {
        const { stdout, stderr } = await run(process.execPath, [bin, 'deploy', ...args], {
          cwd: work,
          env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
          timeout: 90_000,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }

    beforeAll(async () => {
      [source, target] = await Promise.all([startHarness(database), startHarness(database)]);
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-remote-'));
      const backend = source.admin.backend();
      await backend.action().create({
        name: 'hello',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: { hello: 'world' } },
      });
      for (const name of ['hello.get', 'hello.other']) {
        await backend.operation().create({
          name,
          httpMethod: 'GET',
          httpPath: `/${name.replace('.', '-')}`,
          action: 'hello',
          public: true,
          stability: 1,
        });
      }
      await backend.taxonomy().create({ name: 'Servers' });
      const servers = await backend.taxonomy().get('~Servers');
      await backend.taxonomy().create({ name: 'Internal', parentId: servers.id });
      const internal = await backend.taxonomy().get('~Internal');
      await backend.taxonomy().move(String(servers.id), {
        operations: [(await backend.operation().get('~hello.get')).id as number],
      });
      // the admin app may file a platform operation too: it is never the file's
      platformOperation = await source.portico.platform.db
        .selectFrom('operations')
        .select(['id', 'name'])
        .where('category_id', '!=', 1)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      await backend.taxonomy().move(String(servers.id), { operations: [platformOperation.id] });
      await backend.taxonomy().move(String(internal.id), {
        actions: [(await backend.action().get('~hello')).id as number],
      });
      await backend.firewall().create({ name: 'block-docs-net', type: 0, ip: '203.0.113.0/24' });
      await backend.firewall().create({ name: 'office', type: 1, ip: '198.51.100.7' });
      // an automatic ban is the installation's own reaction, not configuration
      await source.portico.platform.db
        .insertInto('firewall')
        .values({
          name: 'Ban-192.0.2.9',
          type: 0,
          ip: '192.0.2.9',
          expire: null,
          metadata: null,
          updated_at: Date.now(),
        })
        .execute();
      await backend.plan().create({ name: 'Free', price: 0, points: 0, scopes: [] });
      const app = await backend
        .app()
        .create({ userId: 1, status: 1, name: 'partner', url: 'https://partner.example', scopes: [] });
      appId = (await backend.app().get('~partner')).id as number;
      expect(app.success).toBe(true);
      await backend.rate().create({
        name: 'free-tier',
        priority: 5,
        rateLimit: 50,
        timespan: 'PT1H',
        allocation: [{ planId: (await backend.plan().get('~Free')).id }, { appId }],
      });
      exported = (await exportConfiguration(source.portico.platform, operations, operator)).yaml;
      fs.writeFileSync(path.join(work, 'portico.yaml'), exported);
    });

    afterAll(async () => {
      await source?.close();
      await target?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('exports folders with what they hold and the firewall rules, never an automatic ban nor a rate for one app', () => {
      const file = parseConfiguration(exported);
      expect(file.entries('taxonomies')).toEqual([
        { name: 'Servers', operations: ['hello.get'] },
        { name: 'Internal', parent: 'Servers', actions: ['hello'] },
      ]);
      expect(file.entries('firewall')).toEqual([
        { name: 'block-docs-net', type: 0, ip: '203.0.113.0/24' },
        { name: 'office', type: 1, ip: '198.51.100.7' },
      ]);
      expect(exported).not.toContain('Ban-');
      expect(file.entries('rates').find((r) => r.name === 'free-tier')?.allocation).toEqual([{ plan: 'Free' }]);
    });

    it('keeps the rate of one app when a deploy changes its rate, and a folder list is the whole folder', async () => {
      const edited = exported
        .replace(/rateLimit: 50\n/, 'rateLimit: 60\n')
        .replace(/operations:\n\s+- hello.get\n/, 'operations: [hello.other]\n');
      const result = await deployConfiguration(
        source.portico.platform,
        operations,
        applier,
        parseConfiguration(edited),
        {
          env: {},
          prune: false,
          dryRun: false,
        },
      );
      expect(result.changes.map((c) => `${c.verb} ${c.kind} ${c.key}: ${c.fields.join(',')}`)).toEqual([
        'update rates free-tier: rateLimit',
        'update taxonomies Servers: operations',
      ]);
      const rate = await source.admin.backend().rate().get('~free-tier');
      expect(rate.rateLimit).toBe(60);
      expect(rate.allocation?.map((a) => a.appId ?? null)).toContain(appId);
      expect(await taxonomyOf(source, 'operations', 'hello.other')).toBe('Servers');
      expect(await taxonomyOf(source, 'operations', 'hello.get')).toBeNull();
      expect(await taxonomyOf(source, 'operations', platformOperation.name)).toBe('Servers');
      // deploying it again finds nothing to do
      const again = await deployConfiguration(
        source.portico.platform,
        operations,
        applier,
        parseConfiguration(edited),
        {
          env: {},
          prune: false,
          dryRun: false,
        },
      );
      expect(again.changes).toEqual([]);
    });

    it('deploys through a running installation with --url: the same difference, dry run, one unit, then no change', async () => {
      const token = await target.adminToken();
      const env = { PORTICO_URL: target.baseUrl, PORTICO_TOKEN: token };
      const dry = await remote(['portico.yaml', '--dry-run'], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('+ taxonomies Servers (created)');
      expect(dry.stdout).toContain('+ firewall block-docs-net (created)');
      expect(dry.stdout).toContain('+ operations hello.get (created)');
      expect(dry.stdout).toContain('Dry run: nothing was changed.');
      expect((await target.fetch('/hello-get')).status).toBe(404);

      const applied = await remote(['portico.yaml', '--url', target.baseUrl, '--token', token]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/Applied \d+ changes\./);
      expect((await target.fetch('/hello-get')).status).toBe(200);
      expect(await taxonomyOf(target, 'operations', 'hello.get')).toBe('Servers');
      expect(await taxonomyOf(target, 'actions', 'hello')).toBe('Internal');
      expect((await target.admin.backend().taxonomy().get('~Internal')).parentId).toBe(
        (await target.admin.backend().taxonomy().get('~Servers')).id,
      );
      expect((await target.admin.backend().firewall().get('~block-docs-net')).ip).toBe('203.0.113.0/24');
      const audit = await target.portico.platform.db
        .selectFrom('audits')
        .select('message')
        .where('event', '=', 'backend.taxonomy.move')
        .execute();
      expect(audit.length).toBe(2);

      const again = await remote(['portico.yaml'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('No changes: the installation already matches the file.');
    });

    it('refuses what the installation refuses, changes nothing, and never sends credentials over plain http', async () => {
      const token = await target.adminToken();
      // a deny rule for the deployer's own address: the firewall's lockout guard sees the caller's address
      const lockout = `${exported.replace(/^firewall:\n/m, 'firewall:\n  - { name: everyone-local, type: 0, ip: 127.0.0.0/8 }\n')}`;
      fs.writeFileSync(path.join(work, 'lockout.yaml'), lockout);
      const before = await target.portico.platform.db.selectFrom('firewall').select('name').execute();
      const refused = await remote(['lockout.yaml', '--url', target.baseUrl, '--token', token]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('refused the deploy (400)');
      expect(refused.stderr).toContain('would deny your own address');
      expect(await target.portico.platform.db.selectFrom('firewall').select('name').execute()).toEqual(before);

      fs.writeFileSync(
        path.join(work, 'secret.yaml'),
        'version: 1\nconnections:\n  - name: db\n    class: Fusio.Adapter.Sql.Connection.SqlAdvanced\n    config:\n      url: \u0024{env:HOSTING_DB_URL}\n',
      );
      const unset = await remote(['secret.yaml', '--url', target.baseUrl, '--token', token]);
      expect(unset.code).toBe(1);
      expect(unset.stderr).toContain('line 6: connections "db": environment variable HOSTING_DB_URL is not set');

      const plain = await remote(['portico.yaml', '--url', 'http://portico.example.com', '--token', token]);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('--url must be https://');

      const badToken = await remote(['portico.yaml', '--url', target.baseUrl, '--token', 'not-a-token']);
      expect(badToken.code).toBe(1);
      expect(badToken.stderr).toContain('refused the deploy (401)');
    });
  },
);
