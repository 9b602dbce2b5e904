import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { loggedInDeveloper } from './support/portal-helpers.js';
import { untar } from './support/tarball.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

/** What each audience must find, and must not. */
const publicOnly = ['product.get', '/product/{sku}'];
const productScope = ['product.update', 'Calls product.update'];
const hidden = ['vault.read', '/vault', 'VaultSecret', 'combination'];

describe('generated documents and clients follow what the caller may call', () => {
  let h: Harness;
  let productToken: string;
  beforeAll(async () => {
    h = await startHarness(sqlite!);
    const backend = h.admin.backend();
    await backend
      .schema()
      .create({ name: 'Money', source: { type: 'object', properties: { amount: { type: 'integer' } } } });
    await backend.schema().create({
      name: 'Product',
      source: { type: 'object', properties: { sku: { type: 'string' }, price: { $ref: 'Money' } }, required: ['sku'] },
    });
    await backend.schema().create({
      name: 'VaultSecret',
      source: { type: 'object', properties: { combination: { type: 'string' } } },
    });
    await backend.action().create({
      name: 'product',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"sku":"A-1","price":{"amount":5}}' },
    });
    await backend.operation().create({
      name: 'product.get',
      httpMethod: 'GET',
      httpPath: '/product/:sku',
      action: 'product',
      outgoing: 'Product',
      public: true,
      description: 'One product. <script>alert(1)</script> [bad](javascript:alert(2))',
    });
    await backend.operation().create({
      name: 'product.update',
      httpMethod: 'PUT',
      httpPath: '/product/:sku',
      action: 'product',
      incoming: 'Product',
      outgoing: 'Product',
      scopes: ['products'],
    });
    await backend.operation().create({
      name: 'vault.read',
      httpMethod: 'GET',
      httpPath: '/vault',
      action: 'product',
      outgoing: 'VaultSecret',
      scopes: ['vault'],
    });
    // developers (the Consumer role) get the products scope; nobody but the admin has vault
    const roles = await backend.role().getAll(0, 16, 'Consumer');
    const consumer = roles.entry?.find((r) => r.name === 'Consumer');
    await backend.role().update(String(consumer?.id), { scopes: [...(consumer?.scopes ?? []), 'products'] });
    productToken = (await loggedInDeveloper(h)).token;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const get = (type: string, token?: string, query = '') =>
    h.fetch(`/system/generator/${type}${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('gives an anonymous caller the public operations only, in every text format', async () => {
    for (const type of ['openapi', 'openapi-yaml', 'markdown', 'html']) {
      const res = await get(type);
      expect(res.status, type).toBe(200);
      expect(res.headers.get('vary')).toMatch(/authorization/i);
      const text = await res.text();
      for (const word of publicOnly) expect(text, `${type} names ${word}`).toContain(word);
      for (const word of [...productScope, ...hidden]) expect(text, `${type} hides ${word}`).not.toContain(word);
    }
    const doc = (await (await get('openapi')).json()) as { components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.components.schemas).sort()).toEqual(['Money', 'Product']);
  });

  it('adds what the token has a scope for, and an admin sees everything', async () => {
    const scoped = await (await get('markdown', productToken)).text();
    for (const word of [...publicOnly, ...productScope]) expect(scoped).toContain(word);
    for (const word of hidden) expect(scoped).not.toContain(word);
    const admin = await (await get('markdown', await h.adminToken())).text();
    for (const word of [...publicOnly, 'product.update', ...hidden]) expect(admin).toContain(word);
  });

  it('serves one HTML page that runs no script and loads nothing', async () => {
    const res = await get('html');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|javascript:|<link |src="http/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<h4 id="get-productsku">GET /product/{sku}</h4>');
    expect(html).toContain('href="#schema-product"');
    expect(html).toContain('id="schema-product"');
  });

  it('lists what it generates, publicly', async () => {
    const res = await h.fetch('/system/generator');
    expect(res.status).toBe(200);
    const list = (await res.json()) as { types: { type: string; label: string; link: string }[] };
    expect(list.types.map((t) => t.type)).toEqual(['openapi', 'openapi-yaml', 'markdown', 'html', 'client-typescript']);
    expect(list.types[4]).toMatchObject({
      label: 'TypeScript client',
      link: `${h.baseUrl}/system/generator/client-typescript`,
    });
  });

  it('refuses unknown types, a config where none is taken, and releases that do not exist', async () => {
    expect((await get('cobol')).status).toBe(404);
    expect((await get('markdown', undefined, '?config=x')).status).toBe(400);
    expect((await get('client-typescript', undefined, '?config=Not%20A%20Name')).status).toBe(400);
    const release = await get('openapi', undefined, '?release=2.0');
    expect(release.status).toBe(404);
    expect(((await release.json()) as { message: string }).message).toContain('Release 2.0 does not exist');
  });

  it('answers the BackendSdk tag through the unmodified fusio-sdk', async () => {
    const sdk = h.admin.backend().sdk();
    const all = await sdk.getAll();
    expect(all.types).toEqual({
      openapi: `${h.baseUrl}/system/generator/openapi`,
      'openapi-yaml': `${h.baseUrl}/system/generator/openapi-yaml`,
      markdown: `${h.baseUrl}/system/generator/markdown`,
      html: `${h.baseUrl}/system/generator/html`,
      'client-typescript': `${h.baseUrl}/system/generator/client-typescript`,
    });
    const made = await sdk.generate({ format: 'client-typescript', config: '@acme/shop' });
    expect(made).toEqual({
      success: true,
      message: 'SDK successfully generated',
      link: `${h.baseUrl}/system/generator/client-typescript?config=%40acme%2Fshop`,
    });
    expect(await sdkError(sdk.generate({ format: 'cobol' }))).toMatchObject({ message: 'Invalid format provided' });
    expect(await sdkError(sdk.generate({ format: 'html', config: 'x' }))).toMatchObject({
      message: 'The format html takes no config',
    });
    // a developer's token cannot use the backend tag
    const anonymous = await h.fetch('/backend/sdk');
    expect(anonymous.status).toBe(401);
  });

  it('generates one client at a time and refuses a crowd of distinct ones with 503, not by running out of memory', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `crowd-${i}`);
    const answers = await Promise.all(names.map((name) => get('client-typescript', undefined, `?config=${name}`)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.filter((status) => status === 503)).toHaveLength(3);
    const refused = answers.find((res) => res.status === 503) as Response;
    expect(((await refused.json()) as { message: string }).message).toContain('generating other clients');
  }, 120_000);

  it('builds a TypeScript client that compiles strictly and calls the running API', async () => {
    const res = await get('client-typescript', productToken, '?config=@acme/shop');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="acme-shop-\d+\.\d+\.\d+.*\.tgz"$/);
    const files = await untar(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(
      [
        'API.md',
        'README.md',
        'dist/index.d.ts',
        'dist/index.js',
        'dist/schema.d.ts',
        'package.json',
        'src/index.ts',
        'src/schema.d.ts',
      ].map((f) => `package/${f}`),
    );
    expect(files['package/src/schema.d.ts']).toContain('"/product/{sku}"');
    expect(files['package/src/schema.d.ts']).not.toContain('/vault');
    const pkg = JSON.parse(files['package/package.json'] as string) as {
      name: string;
      dependencies: Record<string, string>;
    };
    expect(pkg.name).toBe('@acme/shop');
    expect(Object.keys(pkg.dependencies)).toEqual(['openapi-fetch']);

    // install: the package and a consumer in a temp dir, openapi-fetch linked from this repository (no network)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-client-'));
    try {
      const shop = path.join(dir, 'node_modules', '@acme', 'shop');
      for (const [name, content] of Object.entries(files)) {
        const target = path.join(shop, name.replace(/^package\//, ''));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }
      const fetchPackage = path.dirname(require.resolve('openapi-fetch/package.json'));
      fs.symlinkSync(fetchPackage, path.join(dir, 'node_modules', 'openapi-fetch'), 'dir');
      fs.writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
      );
      fs.writeFileSync(
        path.join(dir, 'consumer.ts'),
        `import { createApiClient, type components } from '@acme/shop';

type Product = components['schemas']['Product'];

export async function run(baseUrl: string, token: string) {
  const api = createApiClient({ baseUrl, token: () => token });
  const got = await api.GET('/product/{sku}', { params: { path: { sku: 'A-1' } } });
  const product: Product | undefined = got.data;
  const amount: number | undefined = product?.price?.amount;
  const put = await api.PUT('/product/{sku}', { params: { path: { sku: 'A-1' } }, body: { sku: 'A-1' } });
  // @ts-expect-error the vault is not open to the token this client was made for
  await api.GET('/vault');
  const anonymous = await createApiClient({ baseUrl }).PUT('/product/{sku}', {
    params: { path: { sku: 'A-1' } },
    body: { sku: 'A-1' },
  });
  return { sku: product?.sku, amount, put: put.response.status, anonymous: anonymous.response.status };
}
`,
      );
      const compilerOptions = {
        strict: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        skipLibCheck: false,
      };
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions, files: ['consumer.ts', 'node_modules/@acme/shop/src/index.ts'] }),
      );
      const tsc = require.resolve('typescript/bin/tsc');
      const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).catch(
        (error: { stdout?: string }) => ({ stdout: `tsc failed: ${error.stdout}` }),
      );
      expect(compiled.stdout).toBe('');
      const script = `import(${JSON.stringify(pathToFileURL(path.join(dir, 'consumer.js')).href)})
        .then((m) => m.run(process.argv[1], process.argv[2])).then((r) => console.log(JSON.stringify(r)))`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, h.baseUrl, productToken], {
        cwd: dir,
      });
      expect(JSON.parse(stdout)).toEqual({ sku: 'A-1', amount: 5, put: 200, anonymous: 401 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
