import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { setConfig } from './support/portal-helpers.js';

// serving files needs no particular system database
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const script = `console.log(${JSON.stringify('portal '.repeat(200))});\n`;

/** A small web build as `vite build` lays it out: entry pages per app, hashed shared assets. */
function writeBuild(dir: string): void {
  for (const app of ['developer', 'account', 'backend']) {
    fs.mkdirSync(path.join(dir, app), { recursive: true });
    fs.writeFileSync(
      path.join(dir, app, 'index.html'),
      `<!doctype html><html><head><title>${app}</title><script type="module" crossorigin src="/apps/assets/${app}-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>`,
    );
    fs.writeFileSync(path.join(dir, 'assets', `${app}-Ab12Cd34.js`), script);
  }
  const asset = path.join(dir, 'assets', 'developer-Ab12Cd34.js');
  fs.writeFileSync(`${asset}.br`, zlib.brotliCompressSync(script));
  fs.writeFileSync(`${asset}.gz`, zlib.gzipSync(script));
  fs.writeFileSync(path.join(dir, 'developer', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
}

/** A request exactly as written: fetch would normalise `..` away before sending it. */
function rawGet(baseUrl: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!sqlite)('Portico serves its web apps beside the API', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-web-'));
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { PORTICO_WEB_DIR: dir });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a clear 503 page while the apps were never built, and serves them once built', async () => {
    const missing = await h.fetch('/apps/developer/', { headers: { accept: browserAccept } });
    expect(missing.status).toBe(503);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    const page = await missing.text();
    expect(page).toContain('The web apps are not built');
    expect(page).toContain('npm run build:web');
    expect((await h.fetch('/apps/assets/developer-Ab12Cd34.js')).status).toBe(503);
    // the API does not care
    expect((await h.fetch('/system/about')).status).toBe(200);

    fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeBuild(dir);
    // the build is looked for again at most once a second: no restart needed
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const served = await h.fetch('/apps/developer/');
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('developer-Ab12Cd34.js');
  });

  it('gives every deep link of an app its page, revalidated by ETag, under a strict policy', async () => {
    const res = await h.fetch('/apps/developer/register/activate/a1b2.c3-d4', { headers: { accept: browserAccept } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<title>developer</title>');
    expect(html).toContain('<meta name="portico-base" content="">');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await h.fetch('/apps/developer/apps/12', { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    for (const route of ['/apps/developer', '/apps/developer/login/callback', '/apps/developer/authorize?x=1']) {
      const other = await h.fetch(route);
      expect(other.status, route).toBe(200);
      expect(await other.text(), route).toContain('<title>developer</title>');
    }
    const account = await h.fetch('/apps/account/password/confirm/abc');
    expect(await account.text()).toContain('<title>account</title>');
    // a file of the app itself is served as that file
    const icon = await h.fetch('/apps/developer/favicon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it("serves the admin app at /apps/backend/ and sends Fusio's /apps/fusio there", async () => {
    for (const route of ['/apps/backend/', '/apps/backend', '/apps/backend/logs/42', '/apps/backend/console?x=1']) {
      const res = await h.fetch(route, { headers: { accept: browserAccept } });
      expect(res.status, route).toBe(200);
      expect(res.headers.get('cache-control'), route).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), route).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), route).toBe('DENY');
      expect(await res.text(), route).toContain('<title>backend</title>');
    }
    for (const route of ['/apps/fusio', '/apps/fusio/', '/apps/fusio/index.html', '/apps/fusio/operation/3?x=1']) {
      const res = await h.fetch(route, { redirect: 'manual' });
      expect(res.status, route).toBe(302);
      expect(res.headers.get('location'), route).toBe('/apps/backend/');
    }
    const followed = await h.fetch('/apps/fusio/');
    expect(await followed.text()).toContain('<title>backend</title>');
    // the discovery document's link to Fusio's admin app reaches it
    const about = (await (await h.fetch('/system/about')).json()) as { apps: { fusio: string } };
    expect(new URL(about.apps.fusio).pathname).toBe('/apps/backend');

    // user operations cannot take the admin app's paths, nor Fusio's old one
    const token = await h.adminToken();
    for (const httpPath of ['/apps/backend', '/apps/backend/x', '/apps/fusio/x']) {
      const create = await h.fetch('/backend/operation', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shadow', httpMethod: 'GET', httpPath, action: 'x' }),
      });
      expect(create.status, httpPath).toBe(400);
      expect(((await create.json()) as { message: string }).message, httpPath).toContain('reserved');
    }
  });

  it('lets the configured captcha provider into the policy, and only then', async () => {
    await setConfig(h, 'recaptcha_key', 'site-key-1');
    await setConfig(h, 'recaptcha_secret', 'secret-1');
    await setConfig(h, 'recaptcha_verify_url', 'https://api.hcaptcha.com/siteverify');
    try {
      const csp = (await h.fetch('/apps/developer/register')).headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self' https:\/\/hcaptcha\.com https:\/\/\*\.hcaptcha\.com;/);
      expect(csp).toContain('frame-src https://hcaptcha.com');
      expect(csp).not.toContain('google');
    } finally {
      await setConfig(h, 'recaptcha_secret', '');
    }
    const csp = (await h.fetch('/apps/developer/register')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-src 'none'");
  });

  it('sends hashed assets compressed as the client accepts, cached for good', async () => {
    const asset = '/apps/assets/developer-Ab12Cd34.js';
    const br = await rawRequest(h.baseUrl, asset, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(script.length / 4);
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(script);

    const gzip = await rawRequest(h.baseUrl, asset, { 'accept-encoding': 'gzip;q=1, br;q=0.5' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzip.body).toString()).toBe(script);
    expect(gzip.headers.etag).not.toBe(br.headers.etag);

    const plain = await rawRequest(h.baseUrl, asset, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);

    // compressed copies the build did not bring are made once, in memory
    const account = await rawRequest(h.baseUrl, '/apps/assets/account-Ab12Cd34.js', { 'accept-encoding': 'br' });
    expect(account.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(account.body).toString()).toBe(script);

    const head = await rawRequest(h.baseUrl, asset, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);

    const missing = await h.fetch('/apps/assets/developer-00000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-cache');
  });

  it('never serves a file outside the build, however the path is written', async () => {
    fs.writeFileSync(path.join(path.dirname(dir), 'portico-secret.txt'), 'do-not-serve');
    const attempts = [
      '/apps/assets/../../../etc/passwd',
      '/apps/assets/..%2f..%2f..%2fetc%2fpasswd',
      '/apps/assets/%2e%2e/%2e%2e/portico-secret.txt',
      '/apps/assets/..%5c..%5cportico-secret.txt',
      '/apps/developer/..%2f..%2fportico-secret.txt',
      '/apps/developer/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
      '/apps/assets/%00.js',
      '/apps/developer/.build-stamp',
    ];
    try {
      for (const attempt of attempts) {
        const res = await rawGet(h.baseUrl, attempt);
        expect(res.body, attempt).not.toContain('root:');
        expect(res.body, attempt).not.toContain('do-not-serve');
        expect([200, 400, 404], attempt).toContain(res.status);
      }
    } finally {
      fs.rmSync(path.join(path.dirname(dir), 'portico-secret.txt'), { force: true });
    }
  });

  it('leaves the API where it was: other methods, operations and the discovery document', async () => {
    const root = await h.fetch('/', { headers: { accept: browserAccept }, redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/apps/developer/');
    const followed = await h.fetch('/', { headers: { accept: browserAccept } });
    expect(followed.status).toBe(200);
    expect(await followed.text()).toContain('<title>developer</title>');

    const api = await h.fetch('/', { headers: { accept: 'application/json' } });
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);

    // only GET and HEAD are the apps'; anything else goes through the gateway as before
    const post = await h.fetch('/apps/developer/login', { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/json/);

    const token = await h.adminToken();
    const create = await h.fetch('/backend/operation', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shadow', httpMethod: 'GET', httpPath: '/apps/developer/x', action: 'x' }),
    });
    expect(create.status).toBe(400);
    expect(((await create.json()) as { message: string }).message).toContain('reserved');
  });
});

/** The real build of web/ (made by the test set-up when missing or stale), served as a browser loads it. */
describe.skipIf(!sqlite)('the built developer portal loads with its assets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('links hashed scripts and styles that Portico sends compressed', async () => {
    for (const app of ['developer', 'account', 'backend']) {
      const res = await h.fetch(`/apps/${app}/`);
      expect(res.status, `${app}: run npm run build:web`).toBe(200);
      const html = await res.text();
      const links = [...html.matchAll(/(?:src|href)="(\/apps\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
      expect(links.some((l) => l.endsWith('.js'))).toBe(true);
      expect(links.some((l) => l.endsWith('.css'))).toBe(true);
      for (const link of links) {
        expect(link).toMatch(/-[\w-]{8}\.(js|css)$/);
        const asset = await rawRequest(h.baseUrl, link, { 'accept-encoding': 'br, gzip' });
        expect(asset.status, link).toBe(200);
        // files too small to gain from compression go as they are
        if (asset.body.length >= 256) expect(asset.headers['content-encoding'], link).toBe('br');
        expect(asset.headers['cache-control']).toContain('immutable');
      }
    }
  });
});

/** A request whose body stays as sent (fetch would decompress it). */
function rawRequest(
  baseUrl: string,
  rawPath: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
