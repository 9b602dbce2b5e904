import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/harness.js';

const run = promisify(execFile);
const server = path.resolve(import.meta.dirname, '..');
const repo = path.resolve(server, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const password = 'package-smoke-admin-1';
const { version } = JSON.parse(fs.readFileSync(path.join(server, 'package.json'), 'utf8')) as { version: string };

/**
 * The server workspace as a checkout has it, in a scratch folder: `npm pack` there builds dist/ without
 * touching the worktree (other tests spawn bin/portico.js, which would pick up a half-written build).
 * The dependencies are the checkout's own, linked.
 */
function copyWorkspace(scratch: string): string {
  const copy = path.join(scratch, 'server');
  const skip = new Set(['node_modules', 'dist', 'apps', 'data', 'test', 'LICENSE']);
  fs.cpSync(server, copy, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(server, source);
      const [first = ''] = relative.split(path.sep);
      return relative === '' || (!skip.has(first) && !source.endsWith('.test.ts') && !source.endsWith('.tgz'));
    },
  });
  fs.copyFileSync(path.join(repo, 'tsconfig.base.json'), path.join(scratch, 'tsconfig.base.json'));
  fs.copyFileSync(path.join(repo, 'LICENSE'), path.join(scratch, 'LICENSE'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  if (fs.existsSync(path.join(server, 'node_modules'))) {
    fs.symlinkSync(path.join(server, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  }
  return copy;
}

describe('the npm package installs into an empty folder and serves', { timeout: 300_000 }, () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-package-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('packs the compiled server, its migrations and the web build; `npx portico serve` answers, logs in and serves the apps', async () => {
    const workspace = copyWorkspace(scratch);
    // a stand-in for the web workspace's build output, named the way the web build is handed over
    const webBuild = path.join(scratch, 'web-build');
    fs.mkdirSync(path.join(webBuild, 'developer'), { recursive: true });
    fs.writeFileSync(path.join(webBuild, 'developer', 'index.html'), '<!doctype html><title>Portal</title>');

    const out = path.join(scratch, 'out');
    fs.mkdirSync(out);
    await run(npm, ['pack', '--pack-destination', out, '--silent'], {
      cwd: workspace,
      env: { ...process.env, PORTICO_WEB_BUILD: webBuild },
      maxBuffer: 16 * 1024 * 1024,
    });
    const [tarball] = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`portico-server-${version}.tgz`);
    const listing = (await run('tar', ['tzf', path.join(out, tarball!)], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    const files = new Set(listing.split('\n').map((f) => f.replace(/^package\//, '')));
    for (const file of [
      'bin/portico.js',
      'dist/main.js',
      'dist/db/migrations/2026-11-28a-core.js',
      'index.js',
      'LICENSE',
      'apps/developer/index.html',
    ]) {
      expect(files, file).toContain(file);
    }
    expect([...files].some((f) => f.endsWith('.test.ts') || f.startsWith('test/'))).toBe(false);
    // postpack took its copies away again
    expect(fs.existsSync(path.join(workspace, 'apps'))).toBe(false);

    // Installed as an operator would, from npm's cache. Install scripts are skipped only to spare the
    // minute better-sqlite3 takes to compile: the checkout's binary, built for this same Node, is copied in.
    const install = path.join(scratch, 'install');
    fs.mkdirSync(install);
    fs.writeFileSync(path.join(install, 'package.json'), '{"name":"my-portico","private":true}\n');
    await run(
      npm,
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', path.join(out, tarball!)],
      { cwd: install, maxBuffer: 16 * 1024 * 1024 },
    );
    const built = path.join(repo, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const target = path.join(install, 'node_modules/better-sqlite3/build/Release');
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(built, path.join(target, 'better_sqlite3.node'));

    // the library import a custom action makes resolves in the installed package
    const library = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('@portico/server'); console.log(typeof m.defineAction)"],
      { cwd: install },
    );
    expect(library.stdout.trim()).toBe('function');

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      PORTICO_ADMIN_PASSWORD: password,
      LOG_LEVEL: 'info',
    };
    child = spawn(npm, ['exec', '--offline', '--', 'portico', 'serve'], {
      cwd: install,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const base = `http://127.0.0.1:${port}`;
    const started = Date.now();
    let about: Response | undefined;
    while (Date.now() - started < 60_000 && child.exitCode === null) {
      about = await fetch(`${base}/system/about`).catch(() => undefined);
      if (about) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(about?.status, output).toBe(200);
    expect(await about?.json()).toMatchObject({ apiVersion: version });
    // the compiled server ran, on SQLite in the folder it was started in
    expect(output).not.toMatch(/older than the sources/);
    expect(output).toMatch(/"database":"sqlite"/);
    expect(fs.existsSync(path.join(install, 'data', 'portico.db'))).toBe(true);

    const token = await fetch(`${base}/authorization/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const whoami = await fetch(`${base}/authorization/whoami`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(((await whoami.json()) as { name: string }).name).toBe('admin');
  });
});
