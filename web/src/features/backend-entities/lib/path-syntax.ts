/**
 * Fusio's path syntax as the operation form checks it while the operator types: `/foo/:id`,
 * `/foo/$id<[0-9]+>`, `/files/*path`. The same rules and messages as the server's parser
 * (server/src/gateway/path.ts); server/test/admin-path-syntax-matches-the-server.test.ts keeps them equal.
 */

export type PathCheck = { ok: true; params: string[] } | { ok: false; message: string };

const reservedSegments = ['backend', 'consumer', 'system', 'authorization', 'mcp', 'jsonrpc'];
const reservedPaths = ['/metrics'];
const reservedPrefixes = ['/apps/developer', '/apps/account', '/apps/backend', '/apps/assets', '/apps/fusio'];
const paramName = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Refused extends Error {}

function assertParamName(name: string, seen: string[]): void {
  if (!paramName.test(name)) {
    throw new Refused(`Path parameter "${name}" must start with a letter and use only letters, digits and _`);
  }
  if (seen.includes(name)) throw new Refused(`Path parameter "${name}" is used twice`);
}

function usesReserved(path: string): boolean {
  const first = path.split('/')[1]?.toLowerCase() ?? '';
  const trimmed = path.replace(/\/+$/, '').toLowerCase();
  if (reservedPaths.includes(trimmed)) return true;
  if (reservedPrefixes.some((prefix) => trimmed === prefix || trimmed.startsWith(`${prefix}/`))) return true;
  return reservedSegments.includes(first);
}

/** Whether Portico will take `path` as an operation's path, and the parameters it names. */
export function checkPath(path: string): PathCheck {
  if (path === '') return { ok: false, message: 'HTTP path must not be empty' };
  try {
    if (!path.startsWith('/')) throw new Refused('HTTP path must start with a /');
    if (usesReserved(path)) throw new Refused('HTTP path uses a path segment which is reserved for the system');
    if (path === '/') return { ok: true, params: [] };
    const segments = path.slice(1).split('/');
    const params: string[] = [];
    segments.forEach((segment, index) => {
      if (segment === '') throw new Refused('HTTP path has an empty path segment');
      if (!/^[!-~]+$/.test(segment)) throw new Refused('HTTP path contains invalid characters inside a path segment');
      const first = segment[0];
      if (first === ':') {
        const name = segment.slice(1);
        assertParamName(name, params);
        params.push(name);
      } else if (first === '$') {
        const match = /^\$([^<]+)<(.+)>$/.exec(segment);
        if (!match) throw new Refused(`Path segment "${segment}" must look like $name<regex>`);
        const name = match[1] as string;
        const regex = match[2] as string;
        assertParamName(name, params);
        try {
          new RegExp(regex);
        } catch {
          throw new Refused(`Path segment "${segment}" has an invalid regular expression`);
        }
        if (/[()]/.test(regex.replace(/\\[()]|\(\?:/g, ''))) {
          throw new Refused(`Path segment "${segment}" must not use capturing groups; use (?:…)`);
        }
        params.push(name);
      } else if (first === '*') {
        if (index !== segments.length - 1) throw new Refused('A *rest parameter must be the last path segment');
        const name = segment.slice(1) || 'path';
        assertParamName(name, params);
        params.push(name);
      } else if (segment.includes('*')) {
        throw new Refused(`Path segment "${segment}" must not contain *`);
      }
    });
    return { ok: true, params };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message };
    throw error;
  }
}
