import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseEncoding } from './serve.js';
import { loadWebBuild } from './web-build.js';

describe('the web build as Portico holds it', () => {
  let dir = '';
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function build(): string {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-web-unit-'));
    for (const app of ['developer', 'account', 'backend']) {
      fs.mkdirSync(path.join(dir, app));
      fs.writeFileSync(
        path.join(dir, app, 'index.html'),
        `<!doctype html><html><head><meta charset="utf-8" /><script type="module" src="/apps/assets/${app}-1.js"></script><link rel="stylesheet" href='/apps/assets/x-1.css'></head><body><a href="/apps/elsewhere">x</a></body></html>`,
      );
    }
    return dir;
  }

  it('is null until both entry pages exist', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-web-unit-'));
    fs.mkdirSync(path.join(dir, 'developer'));
    fs.writeFileSync(path.join(dir, 'developer', 'index.html'), '<html></html>');
    expect(loadWebBuild(dir, '')).toBeNull();
  });

  it('puts the base path of PUBLIC_URL before asset links and tells the app', () => {
    const page = loadWebBuild(build(), '/gateway')?.files.get('developer/index.html')?.body.toString() ?? '';
    expect(page).toContain('<meta charset="utf-8" />\n    <meta name="portico-base" content="/gateway">');
    expect(page).toContain('src="/gateway/apps/assets/developer-1.js"');
    expect(page).toContain("href='/gateway/apps/assets/x-1.css'");
    const root = loadWebBuild(dir, '')?.files.get('account/index.html')?.body.toString() ?? '';
    expect(root).toContain('src="/apps/assets/account-1.js"');
    expect(root).toContain('<meta name="portico-base" content="">');
  });

  it('leaves out hidden files and types it does not know', () => {
    build();
    fs.writeFileSync(path.join(dir, '.build-stamp'), 'now');
    fs.writeFileSync(path.join(dir, 'developer', 'notes.exe'), 'MZ');
    const files = loadWebBuild(dir, '')?.files;
    expect([...(files?.keys() ?? [])].sort()).toEqual([
      'account/index.html',
      'backend/index.html',
      'developer/index.html',
    ]);
  });
});

describe('choosing an encoding', () => {
  const both = { br: Buffer.from('b'), gzip: Buffer.from('g') };
  it('follows the weights of Accept-Encoding', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd', both)).toBe('br');
    expect(chooseEncoding('gzip', both)).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip', both)).toBe('gzip');
    expect(chooseEncoding('br;q=0.4, gzip;q=0.8', both)).toBe('gzip');
    expect(chooseEncoding('*', both)).toBe('br');
    expect(chooseEncoding('identity', both)).toBe('identity');
    expect(chooseEncoding(undefined, both)).toBe('identity');
    expect(chooseEncoding('br', { br: undefined, gzip: both.gzip })).toBe('identity');
  });
});
