import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startPortico } from './support/cluster-process.js';
import { freePort } from './support/harness.js';

const bin = path.resolve(import.meta.dirname, '../bin/portico.js');

describe('what an operator sees and sets', { timeout: 120_000 }, () => {
  it('writes one access-log line per request with LOG_REQUESTS=true, and none without it', async () => {
    const logged = await startPortico([], { LOG_REQUESTS: 'true' });
    try {
      await (await logged.fetch('/system/health')).arrayBuffer();
      await (await logged.fetch('/no-such-thing')).arrayBuffer();
      const health = await logged.waitForLog((l) => l.msg === 'GET /system/health 200');
      expect(health).toMatchObject({
        method: 'GET',
        path: '/system/health',
        status: 200,
        operation: 'system.meta.getHealth',
      });
      expect(typeof health.requestId).toBe('string');
      await logged.waitForLog((l) => l.msg === 'GET /no-such-thing 404');
    } finally {
      await logged.dispose();
    }
    const quiet = await startPortico([]);
    try {
      await (await quiet.fetch('/system/health')).arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(quiet.logs.some((l) => l.msg === 'GET /system/health 200')).toBe(false);
    } finally {
      await quiet.dispose();
    }
  });

  it('writes readable lines instead of JSON with LOG_FORMAT=pretty', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-pretty-'));
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: { ...process.env, LOG_FORMAT: 'pretty', PORT: String(port), PORTICO_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      const started = Date.now();
      while (!/listening/.test(out) && Date.now() - started < 90_000) await new Promise((r) => setTimeout(r, 100));
      const line = out.split('\n').find((l) => /listening/.test(l)) ?? '';
      expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Portico .* listening/);
      expect(() => JSON.parse(line)).toThrow();
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads settings from a .env file where the command starts; the environment wins', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-env-'));
    try {
      fs.writeFileSync(
        path.join(cwd, '.env'),
        `# a comment\nPORTICO_DATA_DIR=${path.join(cwd, 'from-dotenv')}\nLOG_LEVEL=warn\n`,
      );
      const run = (env: Record<string, string>) =>
        promisify(execFile)(process.execPath, [bin, 'migrate'], {
          cwd,
          env: { ...process.env, INIT_CWD: cwd, PORTICO_DATA_DIR: '', ...env },
          timeout: 90_000,
        });
      await run({});
      expect(fs.existsSync(path.join(cwd, 'from-dotenv', 'portico.db'))).toBe(true);
      await run({ PORTICO_DATA_DIR: path.join(cwd, 'from-environment') });
      expect(fs.existsSync(path.join(cwd, 'from-environment', 'portico.db'))).toBe(true);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
