import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');
const redocly = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
  'bin/cli.js',
);

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint --extends recommended` of one document, as its JSON report (no telemetry, no update check). */
async function lint(file: string): Promise<LintReport> {
  const run = promisify(execFile);
  const args = [redocly, 'lint', '--extends', 'recommended', '--format', 'json', file];
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  // lint exits 1 when it finds errors; the report on stdout says which
  const out = await run(process.execPath, args, { env, maxBuffer: 32 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return JSON.parse(out.stdout) as LintReport;
}

type Operation = { operationId: string; summary: string; security: Record<string, string[]>[]; tags: string[] };
type Document = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: { oauth2: { flows: Record<string, Record<string, unknown>> } } };
};

describe('every OpenAPI document Portico serves passes Redocly’s recommended rules', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness(sqlite!);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-openapi-'));
    const backend = h.admin.backend();
    await backend
      .schema()
      .create({ name: 'Note', source: { type: 'object', properties: { text: { type: 'string' } } } });
    await backend.action().create({
      name: 'note',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"text":"hi"}' },
    });
    await backend.operation().create({
      name: 'note.get',
      httpMethod: 'GET',
      httpPath: '/note/:id',
      action: 'note',
      outgoing: 'Note',
      public: true,
    });
    await backend.operation().create({
      name: 'note.create',
      httpMethod: 'POST',
      httpPath: '/note',
      action: 'note',
      incoming: 'Note',
      scopes: ['notes'],
      description: 'Writes a note. Needs the notes scope.',
    });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function fetchDocument(url: string): Promise<Document> {
    const res = await fetch(url);
    expect(res.status, url).toBe(200);
    return (await res.json()) as Document;
  }

  it('links each document from /system/about, and every one lints with 0 errors', async () => {
    const about = (await (await h.fetch('/system/about')).json()) as { links: { rel: string; href: string }[] };
    const documents = about.links.filter((l) => l.rel === 'openapi' || l.rel.startsWith('openapi-'));
    expect(documents.map((l) => l.rel).sort()).toEqual([
      'openapi',
      'openapi-authorization',
      'openapi-backend',
      'openapi-consumer',
      'openapi-system',
    ]);
    // what was linked before stays
    expect(about.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['root', 'oauth2', 'health', 'portal']));
    const reports = await Promise.all(
      documents.map(async ({ rel, href }) => {
        expect(href).toBe(`${h.baseUrl}/system/openapi${rel === 'openapi' ? '' : `/${rel.slice('openapi-'.length)}`}`);
        const file = path.join(dir, `${rel}.json`);
        fs.writeFileSync(file, JSON.stringify(await fetchDocument(href)));
        return { rel, report: await lint(file) };
      }),
    );
    for (const { rel, report } of reports) {
      const errors = report.problems.filter((p) => p.severity === 'error');
      expect(errors.map((p) => `${rel} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
      expect(report.totals.errors).toBe(0);
    }
  });

  it('lints the generated document of what a visitor may call with 0 errors too (docs/clients.md)', async () => {
    const doc = await fetchDocument(`${h.baseUrl}/system/generator/openapi`);
    expect(Object.keys(doc.paths)).toEqual(['/note/{id}']);
    const file = path.join(dir, 'generated.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const report = await lint(file);
    expect(report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
  });

  it('describes the consumer API with its scopes, OAuth2 flows and public operations', async () => {
    const doc = await fetchDocument(`${h.baseUrl}/system/openapi/consumer`);
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(ops.length).toBeGreaterThan(20);
    expect(ops.every((o) => o.operationId.startsWith('consumer.') && o.summary.length > 0)).toBe(true);
    // the login is public; the apps need consumer.app or the whole consumer scope
    expect(doc.paths['/consumer/login']?.post?.security).toEqual([]);
    expect(doc.paths['/consumer/app']?.get?.security).toEqual([
      { oauth2: ['consumer.app'] },
      { oauth2: ['consumer'] },
      { bearer: [] },
    ]);
    const { authorizationCode, clientCredentials } = doc.components.securitySchemes.oauth2.flows;
    expect(authorizationCode).toMatchObject({
      authorizationUrl: `${h.baseUrl}/authorization/authorize`,
      tokenUrl: `${h.baseUrl}/authorization/token`,
      refreshUrl: `${h.baseUrl}/authorization/token`,
      'x-usePkce': true,
    });
    expect(clientCredentials).toMatchObject({ tokenUrl: `${h.baseUrl}/authorization/token` });
    expect((authorizationCode?.scopes ?? {}) as Record<string, string>).toHaveProperty(
      'consumer.app',
      expect.stringMatching(/apps/),
    );
    // a protected operation of the document is served and refuses an anonymous caller
    const res = await h.fetch('/consumer/app');
    expect(res.status).toBe(401);
  });

  it('keeps the installation’s own operations and the platform’s apart', async () => {
    const own = await fetchDocument(`${h.baseUrl}/system/openapi`);
    expect(Object.keys(own.paths).sort()).toEqual(['/note', '/note/{id}']);
    expect(own.paths['/note']?.post?.security).toEqual([{ oauth2: ['notes'] }, { bearer: [] }]);
    expect(own.paths['/note']?.post?.summary).toBe('Writes a note');
    const auth = await fetchDocument(`${h.baseUrl}/system/openapi/authorization`);
    expect(auth.paths['/authorization/token']?.post?.security).toEqual([]);
    expect(auth.paths['/authorization/whoami']?.get?.security).toEqual([{ oauth2: ['authorization'] }, { bearer: [] }]);
    const system = await fetchDocument(`${h.baseUrl}/system/openapi/system`);
    expect(system.paths['/system/openapi/{api}']?.get?.operationId).toBe('system.meta.getPlatformOpenAPI');
    expect(Object.keys(system.paths).every((p) => !p.startsWith('/consumer') && !p.startsWith('/backend'))).toBe(true);
    expect((await h.fetch('/system/openapi/nothing')).status).toBe(404);
  });
});
