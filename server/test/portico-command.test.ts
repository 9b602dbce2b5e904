import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

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

describe('the portico command', () => {
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
    expect((await portico(['migrate'])).stdout).toContain('up to date');
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
      fs.rmSync(path.join(root, 'src'), { recursive: true });
      // an installed package has no sources: its build is what there is
      expect((await launch()).stdout).toBe('compiled');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
