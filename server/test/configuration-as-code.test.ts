import { CommonMessageException } from 'fusio-sdk';
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
import { TestUpstream } from './support/http-upstream.js';

const operations = operationsByName(platformOperations);
const operator: Caller = {
  user: null,
  app: null,
  token: null,
  scopes: ['authorization', 'backend', 'consumer', 'default'],
};
const applier: Applier = { caller: operator, label: 'deploy test.yaml', ip: '127.0.0.1' };

async function deploy(
  h: Harness,
  yaml: string,
  options: { env?: Record<string, string>; prune?: boolean; dryRun?: boolean } = {},
) {
  return deployConfiguration(h.portico.platform, operations, applier, parseConfiguration(yaml), {
    env: options.env ?? {},
    prune: options.prune === true,
    dryRun: options.dryRun === true,
  });
}

async function sdkMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload().message ?? '';
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Counts of the rows a deploy may touch, to prove that a refused file changed nothing. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.portico.platform.db;
  const counts: Record<string, unknown> = {};
  for (const table of [
    'operations',
    'actions',
    'schemas',
    'connections',
    'scopes',
    'plans',
    'rates',
    'pages',
  ] as const) {
    const rows = await db.selectFrom(table).selectAll().orderBy('id').execute();
    counts[table] = rows.map((r) => {
      const { updated_at: _u, ...rest } = r as Record<string, unknown>;
      return rest;
    });
  }
  return JSON.stringify(counts);
}

const secretToken = 'upstream-bearer-7f3a9c';

describe.each(await systemDatabases())('configuration as code on $kind', { timeout: 120_000 }, (database) => {
  let source: Harness;
  let target: Harness;
  let upstream: TestUpstream;
  let exported: string;

  beforeAll(async () => {
    upstream = await TestUpstream.start();
    source = await startHarness(database);
    target = await startHarness(database);
    const backend = source.admin.backend();
    await backend.connection().create({
      name: 'legacy-http',
      class: 'Fusio.Adapter.Http.Connection.Http',
      config: { url: upstream.url, auth: 'bearer', token: secretToken },
    });
    await backend.schema().create({
      name: 'Server',
      source: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['name'] },
    });
    await backend.action().create({
      name: 'servers-list',
      class: 'Fusio.Adapter.Http.Action.HttpProcessor',
      config: { connection: 'legacy-http', url: '/internal/servers' },
    });
    await backend.action().create({
      name: 'hello',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: { hello: 'world' } },
    });
    await backend.scope().create({ name: 'servers.read', description: 'Read servers' });
    await backend.operation().create({
      name: 'servers.list',
      httpMethod: 'GET',
      httpPath: '/servers',
      action: 'servers-list',
      public: true,
      stability: 1,
      outgoing: 'Server',
      scopes: ['servers.read'],
    });
    await backend.operation().create({
      name: 'hello.get',
      httpMethod: 'GET',
      httpPath: '/hello',
      action: 'hello',
      public: true,
      stability: 1,
    });
    await backend
      .plan()
      .create({ name: 'Free', description: 'Try it', price: 0, points: 100, scopes: ['servers.read'] });
    await backend.rate().create({
      name: 'free-tier',
      priority: 5,
      rateLimit: 50,
      timespan: 'PT1H',
      allocation: [{ planId: (await backend.plan().get('~Free')).id, authenticated: true }],
    });
    await backend
      .page()
      .create({ title: 'Servers API', slug: 'servers-api', status: 1, content: '# Servers\n\nList them.' });
    await backend.event().create({ name: 'server.state_changed', description: 'A server started or stopped' });
    exported = (await exportConfiguration(source.portico.platform, operations, operator)).yaml;
  });

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await upstream?.close();
  });

  it('exports every kind by name with the editor schema line, and never a credential', () => {
    expect(exported).toMatch(
      /^# yaml-language-server: \$schema=http:\/\/127\.0\.0\.1:\d+\/system\/configuration\/schema/,
    );
    expect(exported).not.toContain(secretToken);
    expect(exported).toContain('token: \u0024{env:CONNECTION_LEGACY_HTTP_TOKEN}');
    for (const piece of [
      'name: servers.list',
      'action: servers-list',
      'outgoing: Server',
      'slug: servers-api',
      'plan: Free',
    ]) {
      expect(exported).toContain(piece);
    }
    // the platform's own operations and database ids stay out of the file
    expect(exported).not.toContain('backend.operation');
    expect(exported).not.toMatch(/\bid: \d+/);
  });

  it('refuses a file that needs a variable the environment lacks, naming the line, and changes nothing', async () => {
    const before = await snapshot(target);
    const line = exported.split('\n').findIndex((l) => l.includes('\u0024{env:CONNECTION_LEGACY_HTTP_TOKEN}')) + 1;
    await expect(deploy(target, exported)).rejects.toThrow(
      `line ${line}: connections "legacy-http": environment variable CONNECTION_LEGACY_HTTP_TOKEN is not set`,
    );
    expect(await snapshot(target)).toBe(before);
  });

  it('deploys the export into an empty installation: the same API answers there', async () => {
    const env = { CONNECTION_LEGACY_HTTP_TOKEN: secretToken };
    const dry = await deploy(target, exported, { env, dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.changes.map((c) => `${c.verb} ${c.kind} ${c.key}`)).toEqual(
      expect.arrayContaining([
        'create connections legacy-http',
        'create operations servers.list',
        'create rates free-tier',
      ]),
    );
    expect((await target.fetch('/hello')).status).toBe(404);

    const applied = await deploy(target, exported, { env });
    expect(applied.applied).toBe(true);
    const hello = await target.fetch('/hello');
    expect(hello.status).toBe(200);
    expect(await hello.json()).toEqual({ hello: 'world' });
    const servers = await target.fetch('/servers');
    expect(servers.status).toBe(200);
    // the credential came from the environment, not from the file
    expect(upstream.last().headers.authorization).toBe(`Bearer ${secretToken}`);
    expect(upstream.last().path).toBe('/internal/servers');
    const plan = await target.admin.backend().plan().get('~Free');
    expect(plan.scopes).toEqual(['servers.read']);
    const rate = await target.admin.backend().rate().get('~free-tier');
    expect(rate.allocation?.[0]?.planId).toBe(plan.id);

    // the audit log names the deploy
    const audits = await target.portico.platform.db
      .selectFrom('audits')
      .select(['event', 'message', 'content'])
      .where('event', '=', 'backend.connection.create')
      .execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]?.message).toBe('backend.connection.create by deploy test.yaml');
    expect(audits[0]?.content).not.toContain(secretToken);

    // applying the same file again changes nothing
    const again = await deploy(target, exported, { env });
    expect(again.changes).toEqual([]);
    expect(again.applied).toBe(false);
    // and the target's own export is the source's, but for the address in the schema line
    const back = (await exportConfiguration(target.portico.platform, operations, operator)).yaml;
    expect(back.split('\n').slice(1).join('\n')).toBe(exported.split('\n').slice(1).join('\n'));
  });

  it('lists changed fields, applies only the change, and --prune removes what the file dropped', async () => {
    const edited = exported
      .replace('rateLimit: 50', 'rateLimit: 75')
      .replace(/ {2}- name: hello\.get[\s\S]*?(?=\n {2}- |\nroles:)/, '');
    expect(edited).not.toContain('hello.get');
    const env = { CONNECTION_LEGACY_HTTP_TOKEN: secretToken };
    const plan = await deploy(target, edited, { env, dryRun: true, prune: true });
    expect(plan.changes.map((c) => `${c.verb} ${c.kind} ${c.key} ${c.fields.join(',')}`.trim())).toEqual([
      'update rates free-tier rateLimit',
      'delete operations hello.get',
    ]);
    expect((await target.fetch('/hello')).status).toBe(200);
    // without --prune the operation stays
    const kept = await deploy(target, edited, { env });
    expect(kept.changes.map((c) => c.verb)).toEqual(['update']);
    expect((await target.fetch('/hello')).status).toBe(200);
    const pruned = await deploy(target, edited, { env, prune: true });
    expect(pruned.changes.map((c) => `${c.verb} ${c.key}`)).toEqual(['delete hello.get']);
    expect((await target.fetch('/hello')).status).toBe(404);
    // the platform's own entities are never pruned: the backend still answers
    const ops = await target.admin.backend().operation().getAll(0, 16);
    expect(ops.totalResults).toBeGreaterThan(0);
    expect((await target.admin.backend().role().get('~Administrator')).name).toBe('Administrator');
  });

  it('refuses a file with a mistake, naming its line, and changes nothing at all', async () => {
    const before = await snapshot(target);
    const env = { CONNECTION_LEGACY_HTTP_TOKEN: secretToken };
    // a valid new operation early in the file, and a rate that points at a plan nobody has
    const broken = `${exported.replace('rateLimit: 50', 'rateLimit: 75')}`
      .replace(
        'operations:\n',
        'operations:\n  - name: added.early\n    httpMethod: GET\n    httpPath: /early\n    action: hello\n    public: true\n',
      )
      .replace('plan: Free', 'plan: Premium');
    const line = broken.split('\n').findIndex((l) => l.includes('plan: Premium')) + 1;
    await expect(deploy(target, broken, { env })).rejects.toThrow(
      `line ${line}: rates "free-tier" refers to plan "Premium", which neither the file nor the installation has`,
    );
    // a value the API refuses (the same words as the backend's 400), on its entry's line
    const badCode = broken
      .replace('plan: Premium', 'plan: Free')
      .replace('httpPath: /early', 'httpPath: /early\n    httpCode: 999');
    const entryLine = badCode.split('\n').findIndex((l) => l.includes('name: added.early')) + 1;
    await expect(deploy(target, badCode, { env })).rejects.toThrow(
      `line ${entryLine}: operations "added.early": HTTP code "999" is not in the range between 200 and 299`,
    );
    // the shape of the file itself
    await expect(deploy(target, 'version: 1\nschemas:\n  - name: Foo\n    sorce: {}\n')).rejects.toThrow(/^line 4: /);
    // a rule only the repository knows, found mid-way: the unit rolls back what came before it
    const clash = badCode.replace('    httpCode: 999\n', '').replace(/httpPath: \/servers\n/, 'httpPath: /early\n');
    await expect(deploy(target, clash, { env })).rejects.toThrow(/Nothing was changed/);
    expect(await snapshot(target)).toBe(before);
    expect((await target.fetch('/early')).status).toBe(404);
  });

  it('backs up and restores through the unmodified fusio-sdk, within the scopes of the token', async () => {
    const backup = await source.admin.backend().backup().export();
    expect(backup.export).toContain('name: servers.list');
    expect(backup.export).not.toContain(secretToken);
    // the target lost hello.get to --prune above: the source's backup brings it back; the connection's
    // credential, a reference the API does not resolve, keeps the value the target stores
    const restored = await target.admin.backend().backup().import({ import: backup.export });
    expect(restored.success).toBe(true);
    expect(restored.logs).toContain('+ operations hello.get (created)');
    expect((await target.fetch('/hello')).status).toBe(200);
    expect((await target.fetch('/servers')).status).toBe(200);
    expect(upstream.last().headers.authorization).toBe(`Bearer ${secretToken}`);
    const again = await target.admin.backend().backup().import({ import: backup.export });
    expect(again.message).toBe('Nothing to import: the installation already matches');

    // a token holding only backend.backup reads nothing and changes nothing
    const token = await target.adminToken('backend.backup');
    const narrow = await target.fetch('/backend/backup/export', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(narrow.status).toBe(200);
    const narrowExport = ((await narrow.json()) as { export: string }).export;
    expect(narrowExport).not.toContain('servers.list');
    const attack = `version: 1\nroles:\n  - name: Escalated\n    scopes: [backend]\noperations:\n  - name: evil.op\n    httpMethod: GET\n    httpPath: /evil\n    action: hello\n    public: true\n`;
    const refused = await target.fetch('/backend/backup/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ import: attack }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain('backend.operation');
    expect((await target.fetch('/evil')).status).toBe(404);

    // a token that may change roles but does not hold `backend` cannot grant it through a backup
    const roleToken = await target.adminToken('backend.backup backend.role');
    const grant = await target.fetch('/backend/backup/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${roleToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ import: 'version: 1\nroles:\n  - name: Escalated\n    scopes: [backend]\n' }),
    });
    expect(grant.status).toBe(403);
    expect(((await grant.json()) as { message: string }).message).toMatch(
      /^line 3: roles "Escalated" could not be created/,
    );
    expect(
      (
        await target.fetch('/backend/role/~Escalated', {
          headers: { authorization: `Bearer ${await target.adminToken()}` },
        })
      ).status,
    ).toBe(404);

    // a new connection's credential cannot come from the server's environment through the API
    const leak = `version: 1\nconnections:\n  - name: leak\n    class: Fusio.Adapter.Http.Connection.Http\n    config: { url: '\${env:PORTICO_SECRET_KEY}' }\n`;
    const message = await sdkMessage(target.admin.backend().backup().import({ import: leak }));
    expect(message).toContain('line 5');
    expect(message).toContain('can only be read by `portico deploy`');
  });
});
