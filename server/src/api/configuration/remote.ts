import { type ConfigurationFile, FileError, parseConfiguration, renderConfiguration, resolveEnv } from './file.js';
import { kinds } from './kinds.js';

/** A running installation reached through its backup import API instead of its database. */
export interface RemoteTarget {
  /** the installation's public URL, e.g. https://api.example.com */
  readonly url: string;
  /** a bearer token holding `backend` (or `backend.backup` and the scope of every kind in the file) */
  readonly token: string;
}

export interface RemoteResult {
  /** the difference, one line per change, as `portico deploy` prints it */
  readonly lines: readonly string[];
  readonly applied: boolean;
  readonly changes: number;
}

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The URL of the backup import API; plain http only to this machine (the request carries credentials). */
export function importUrl(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new FileError(`--url ${url} is not a URL (e.g. https://api.example.com)`, null);
  }
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && loopback.has(base.hostname))) {
    throw new FileError(
      `--url must be https:// (plain http only to this machine): the file's credentials and the token travel in the request`,
      null,
    );
  }
  return new URL(`${base.pathname.replace(/\/+$/, '')}/backend/backup/import`, base);
}

/**
 * Resolves the file's `${env:NAME}` references here, where the deploy runs (the API never reads its own
 * environment for a caller), and sends the result to the installation's backup import: one unit there,
 * the same checks and the same difference as a deploy against the database.
 */
export async function deployRemotely(
  text: string,
  target: RemoteTarget,
  options: { env: Readonly<Record<string, string | undefined>>; dryRun: boolean; prune: boolean },
): Promise<RemoteResult> {
  const url = importUrl(target.url);
  const file = parseConfiguration(text);
  const data: Record<string, unknown> = { version: 1 };
  for (const [list, value] of Object.entries(file.data)) {
    if (list === 'version') continue;
    const kind = kinds.find((k) => k.list === list);
    data[list] = resolveEnv(value, options.env, [list], (name, path) => {
      const [, index] = path;
      const key = kind && typeof index === 'number' ? String(file.entries(list)[index]?.[kind.key]) : list;
      throw file.error(`${list} "${key}": environment variable ${name} is not set`, path);
    });
  }
  const yaml = renderConfiguration(data as ConfigurationFile, `${target.url}/system/configuration/schema`, []);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ import: yaml, dryRun: options.dryRun, prune: options.prune }),
      // a redirect would resend the file (and its credentials) to wherever it points
      redirect: 'error',
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    throw new FileError(`${url.origin} could not be reached (${reason}); nothing was changed`, null);
  }
  const body = (await response.json().catch(() => null)) as {
    success?: boolean;
    message?: string;
    logs?: string[];
  } | null;
  if (!response.ok || !body?.success) {
    const message = body?.message ?? `the installation answered ${response.status}`;
    throw new FileError(`${url.origin} refused the deploy (${response.status}): ${message}`, null);
  }
  const lines = body.logs ?? [];
  const applied = body.message === 'Import successful';
  // the last line counts the changes; a file that matches says so in its only line
  return { lines, applied, changes: applied ? Math.max(lines.length - 1, 0) : 0 };
}
