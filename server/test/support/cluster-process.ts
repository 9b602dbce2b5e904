import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminEmail, adminPassword, freePort } from './harness.js';

const bin = path.resolve(import.meta.dirname, '../../bin/portico.js');

/** One JSON log line of the child (pino). */
export type LogLine = Record<string, unknown> & { msg?: string };

/**
 * `portico serve` as a real child process, the way an operator runs it: its own port, a file SQLite
 * system database (unless DATABASE_URL is given) that outlives it, stdout parsed into log lines.
 */
export interface PorticoProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly logs: LogLine[];
  /** everything the child wrote to stdout that was not a log line (e.g. the generated password) */
  readonly text: () => string;
  readonly stderr: () => string;
  /** resolves with the exit code (or the signal) once the child has exited */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** waits for a log line that matches */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  fetch(p: string, init?: RequestInit): Promise<Response>;
  adminToken(): Promise<string>;
  /** SIGKILL if still running, and removes the data folder */
  dispose(): Promise<void>;
}

export async function startPortico(
  args: string[] = [],
  env: Record<string, string> = {},
  options: { waitUntilListening?: boolean; timeoutMs?: number } = {},
): Promise<PorticoProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-proc-'));
  const databaseFile = path.join(dataDir, 'portico.db');
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${databaseFile}`,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_ADMIN_EMAIL: adminEmail,
      PORTICO_ADMIN_PASSWORD: adminPassword,
      PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  let stderr = '';
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      let parsed: LogLine | null = null;
      if (line.startsWith('{')) {
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          parsed = null;
        }
      }
      if (parsed === null) {
        text += `${line}\n`;
        continue;
      }
      logs.push(parsed);
      for (const waiter of waiters) {
        if (waiter.match(parsed)) {
          waiters.delete(waiter);
          waiter.resolve(parsed);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close', not 'exit': the process may be gone while its last log lines are still in the pipe
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 30_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = { match, resolve };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      void exited.then(() => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`portico exited before the log line appeared; stderr: ${stderr.slice(-2000)}`));
      });
      const original = waiter.resolve;
      waiter.resolve = (line) => {
        clearTimeout(timer);
        original(line);
      };
    });
  };

  const proc: PorticoProcess = {
    child,
    baseUrl,
    port,
    dataDir,
    databaseFile,
    logs,
    text: () => text,
    stderr: () => stderr,
    exited,
    waitForLog,
    fetch: (p, init) => fetch(`${baseUrl}${p}`, init),
    async adminToken() {
      const res = await fetch(`${baseUrl}/authorization/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const json = (await res.json()) as { access_token?: string };
      if (!json.access_token) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(json)}`);
      return json.access_token;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.waitUntilListening !== false) {
    try {
      await waitForLog((l) => typeof l.msg === 'string' && /listening$/.test(l.msg) && 'url' in l, options.timeoutMs);
    } catch (error) {
      await proc.dispose();
      throw error;
    }
  }
  return proc;
}

/** Calls the backend API of a child Portico as the administrator; throws on anything but 2xx. */
export async function backendCall(
  proc: PorticoProcess,
  token: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await proc.fetch(p, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
