import path from 'node:path';
import type { PorticoConfig } from './config.js';
import { assertWritableFolder, FolderProblem } from './folders.js';

/** Start-up cannot go on because of a setting: the message names it and says what to do. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

function sqliteFile(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const file = databaseUrl.slice('sqlite:'.length);
  return file === ':memory:' ? null : file;
}

/**
 * Checks the folders Portico writes into before anything is opened: the data folder (SQLite file, the
 * generated secret key) must be a folder this user can write. A problem is a StartupError naming the
 * setting that chose the folder.
 */
export function checkFolders(config: PorticoConfig): void {
  const file = sqliteFile(config.databaseUrl);
  const checks: [string, string][] = [];
  if (file) {
    const folder = path.dirname(file);
    checks.push([folder, path.resolve(folder) === path.resolve(config.dataDir) ? 'PORTICO_DATA_DIR' : 'DATABASE_URL']);
  }
  if (!config.secretKey) checks.push([config.dataDir, 'PORTICO_DATA_DIR']);
  for (const [folder, setting] of checks) {
    try {
      assertWritableFolder(folder);
    } catch (error) {
      if (!(error instanceof FolderProblem)) throw error;
      throw new StartupError(
        `${setting}: ${error.folder} ${error.reason} — choose a folder this user can write${setting === 'PORTICO_DATA_DIR' ? ' with PORTICO_DATA_DIR' : ''}`,
      );
    }
  }
}

function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = error;
  while (current && out.length < 8) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/** Where DATABASE_URL points, without its credentials. */
function databaseTarget(url: string): { kind: string; where: string; database: string; user: string } {
  const file = sqliteFile(url);
  if (url.startsWith('sqlite:')) return { kind: 'SQLite', where: file ?? ':memory:', database: file ?? '', user: '' };
  try {
    const parsed = new URL(url);
    const kind = parsed.protocol.startsWith('postgres') ? 'PostgreSQL' : 'MySQL/MariaDB';
    const port = parsed.port || (kind === 'PostgreSQL' ? '5432' : '3306');
    return {
      kind,
      where: `${parsed.hostname}:${port}`,
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
      user: decodeURIComponent(parsed.username),
    };
  } catch {
    return { kind: 'the database', where: 'its host', database: '', user: '' };
  }
}

const unreachable = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One line for a start-up failure an operator can cause — the setting, what is wrong, what to do — or
 * null for anything else (which then ends with its stack trace, as a bug should).
 */
export function describeStartupFailure(error: unknown, config: PorticoConfig): string | null {
  for (const e of chain(error)) {
    if (e instanceof StartupError) return e.message;
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    const syscall = (e as { syscall?: unknown }).syscall;
    if (code === 'EADDRINUSE') {
      return `PORT: ${config.port} on ${config.host} is already in use — stop what listens there, or set PORT (or --port) to a free port`;
    }
    if (code === 'EACCES' && syscall === 'listen') {
      return `PORT: this user may not listen on ${config.port} — use a port above 1023, or put a reverse proxy in front`;
    }
    if (code === 'EADDRNOTAVAIL' && syscall === 'listen') {
      return `HOST: ${config.host} is not an address of this machine — set HOST to one of its addresses, or 0.0.0.0`;
    }
    const db = databaseTarget(config.databaseUrl);
    if (code === '3D000' || code === 'ER_BAD_DB_ERROR') {
      return `DATABASE_URL: the database "${db.database}" does not exist on ${db.kind} at ${db.where} — create it (e.g. createdb ${db.database}) or point DATABASE_URL at one that does`;
    }
    if (
      code === '28P01' ||
      code === '28000' ||
      code === 'ER_ACCESS_DENIED_ERROR' ||
      code === 'ER_DBACCESS_DENIED_ERROR'
    ) {
      return `DATABASE_URL: ${db.kind} at ${db.where} refused the user "${db.user}" (wrong password, or no access to "${db.database}") — fix the credentials in DATABASE_URL`;
    }
    if (
      unreachable.has(code) ||
      /timeout exceeded when trying to connect|Connection terminated unexpectedly/i.test(message)
    ) {
      return `DATABASE_URL: cannot reach ${db.kind} at ${db.where} (${code || 'no answer'}) — start the database server, or fix the host and port in DATABASE_URL`;
    }
    if (code === 'SQLITE_CANTOPEN' || /unable to open database file/i.test(message)) {
      return `DATABASE_URL: cannot open the SQLite file ${db.where} — its folder must exist and be writable (or set PORTICO_DATA_DIR)`;
    }
  }
  return null;
}
