import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import SQLite from '../src/db/sqlite-driver.js';
import { freePort } from './support/harness.js';
import { reachable } from './support/services.js';

const postgresUp = await reachable('127.0.0.1', 5432);
const mariadbUp = await reachable('127.0.0.1', 3306);

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-'));

async function portico(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, PORTICO_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the portico command', { timeout: 120_000 }, () => {
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('explains itself with --help, on every command', async () => {
    const top = await portico(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['serve', 'migrate', 'user']) expect(top.stdout).toContain(command);
    const add = await portico(['user', 'add', '--help']);
    expect(add.stdout).toContain('--email');
    expect(add.stdout).toContain('--role');
  });

  it('migrates, then adds a user once; a duplicate is refused', async () => {
    const first = await portico(['migrate'], { PORTICO_ADMIN_PASSWORD: '' });
    // what it applied, and how to log in as the administrator it created: once, on the terminal
    expect(first.stdout).toMatch(/Applied \d+ migrations:\n {2}2026-11-28a-core/);
    expect(first.stderr).toMatch(
      /Created the administrator account\.\n {2}Log in as: {3}admin \(or admin@localhost\.localdomain\)\n {2}Password: {4}\S{12,}/,
    );
    expect(first.stdout).not.toContain('Password');
    const again = await portico(['migrate']);
    expect(again.stdout).toBe('System database is up to date: no migration was pending.\n');
    expect(again.stderr).not.toContain('Password');
    const added = await portico([
      'user',
      'add',
      '--name',
      'ops',
      '--email',
      'ops@example.com',
      '--password',
      'ops-password-1',
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Created user ops');
    const duplicate = await portico(['user', 'add', '--name', 'ops', '--email', 'ops2@example.com']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
  });

  it('lets an operator set a new password for a user who cannot log in', async () => {
    const set = await portico(['user', 'password', 'admin', '--password', 'brand-new-password']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('New password set for admin');
    const db = new SQLite(path.join(dataDir, 'portico.db'), { readonly: true });
    const row = db.prepare('select password from users where name = ?').get('admin') as { password: string };
    db.close();
    expect(await verifyPassword('brand-new-password', row.password)).toBe(true);
    const generated = await portico(['user', 'password', 'admin@localhost.localdomain']);
    expect(generated.stderr).toMatch(/^Password: \S{12,}\n$/);
    expect((await portico(['user', 'password', 'nobody'])).stderr).toContain('User "nobody" does not exist');
    expect((await portico(['user', 'password', 'admin', '--password', 'short'])).code).toBe(1);
  });

  it('stops with exit code 2 and names every bad setting', async () => {
    const bad = await portico(['migrate'], { PORT: 'abc', DATABASE_URL: 'oracle://x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PORT');
    expect(bad.stderr).toContain('DATABASE_URL');
  });

  it('never runs a stale build: the compiled CLI only when it is newer than every source file', async () => {
    // a copy of the launcher beside a tiny source tree and a tiny build, inside the package so tsx resolves
    const root = fs.mkdtempSync(path.join(path.dirname(bin), '..', '.launcher-'));
    try {
      for (const dir of ['bin', 'src', 'dist']) fs.mkdirSync(path.join(root, dir));
      fs.copyFileSync(bin, path.join(root, 'bin', 'portico.js'));
      fs.copyFileSync(path.join(path.dirname(bin), 'entry.js'), path.join(root, 'bin', 'entry.js'));
      // a checkout has a tsconfig.json (a packed package has none)
      fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}\n');
      fs.writeFileSync(path.join(root, 'src', 'main.ts'), "process.stdout.write('sources');\n");
      fs.writeFileSync(path.join(root, 'dist', 'main.js'), "process.stdout.write('compiled');\n");
      const launch = () => run(process.execPath, [path.join(root, 'bin', 'portico.js')]);
      const touch = (file: string, secondsAgo: number) => {
        const at = new Date(Date.now() - secondsAgo * 1000);
        fs.utimesSync(path.join(root, file), at, at);
      };
      touch('dist/main.js', 60);
      touch('src/main.ts', 0);
      const stale = await launch();
      expect(stale.stdout).toBe('sources');
      expect(stale.stderr).toContain('older than the sources');
      touch('src/main.ts', 120);
      const fresh = await launch();
      expect(fresh.stdout).toBe('compiled');
      expect(fresh.stderr).toBe('');
      // an installed package: unpacking gave every file a new time, so the times say nothing; the build runs
      fs.rmSync(path.join(root, 'tsconfig.json'));
      touch('src/main.ts', 0);
      const installed = await launch();
      expect(installed.stdout).toBe('compiled');
      expect(installed.stderr).toBe('');
      fs.rmSync(path.join(root, 'src'), { recursive: true });
      // no sources at all: the build is what there is
      expect((await launch()).stdout).toBe('compiled');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  describe('ends every start-up failure an operator can cause with one line naming the setting, and exit code 2', () => {
    const oneLine = async (args: string[], env: Record<string, string>, setting: string, words: RegExp) => {
      const result = await portico(args, env);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${setting}: `));
      expect(lines[0]).toMatch(words);
      // never the password of a database URL
      expect(result.stderr).not.toContain('s3cret');
    };

    it.skipIf(!postgresUp)('a PostgreSQL database that does not exist', () =>
      oneLine(
        ['migrate'],
        { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:5432/no_such_database' },
        'DATABASE_URL',
        /does not exist.*createdb no_such_database/,
      ),
    );
    it('a database server that is not running', async () => {
      const closed = await freePort();
      await oneLine(
        ['migrate'],
        { DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${closed}/test` },
        'DATABASE_URL',
        /cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
    });
    it.skipIf(!mariadbUp)('a wrong password', () =>
      oneLine(
        ['migrate'],
        { DATABASE_URL: 'mysql://root:s3cret@127.0.0.1:3306/test' },
        'DATABASE_URL',
        /refused the user "root"/,
      ),
    );
    it('a data folder that cannot be created (under /proc, where Node used to spin for ever)', () =>
      oneLine(
        ['migrate'],
        { PORTICO_DATA_DIR: '/proc/portico-data' },
        'PORTICO_DATA_DIR',
        /\/proc\/portico-data cannot be created/,
      ));
    it('a data folder that is a file', () =>
      oneLine(['migrate'], { PORTICO_DATA_DIR: '/etc/passwd' }, 'PORTICO_DATA_DIR', /is not a folder/));
    it('a data folder this user cannot write', async () => {
      let folder = '/sys/portico-data';
      if (process.getuid?.() !== 0) {
        folder = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-ro-'));
        fs.chmodSync(folder, 0o555);
      }
      await oneLine(['migrate'], { PORTICO_DATA_DIR: folder }, 'PORTICO_DATA_DIR', /permission denied/);
    });
    it('a port in use', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        await oneLine(
          ['serve'],
          { PORT: String(port), HOST: '127.0.0.1' },
          'PORT',
          new RegExp(`${port} on 127\\.0\\.0\\.1 is already in use`),
        );
      } finally {
        server.close();
      }
    });
  });
});
