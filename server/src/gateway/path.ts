/**
 * Fusio's path syntax, translated for find-my-way:
 *   `:name`          one segment, any value
 *   `$name<regex>`   one segment matching the regex (the whole segment)
 *   `*name`          the rest of the path (last segment only)
 */

/** The platform's own APIs, and the MCP and JSON-RPC endpoints (mcp/): never a user operation's first segment. */
export const reservedSegments = ['backend', 'consumer', 'system', 'authorization', 'mcp', 'jsonrpc'] as const;

export interface ParsedPath {
  /** the pattern find-my-way understands */
  pattern: string;
  /** parameter names in order; the rest parameter is reported under its own name */
  params: string[];
  /** name of the `*name` parameter, if any */
  rest: string | null;
}

export class PathSyntaxError extends Error {}

const paramName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsePath(path: string): ParsedPath {
  if (!path.startsWith('/')) throw new PathSyntaxError('HTTP path must start with a /');
  if (path === '/') return { pattern: '/', params: [], rest: null };
  const segments = path.slice(1).split('/');
  const out: string[] = [];
  const params: string[] = [];
  let rest: string | null = null;
  segments.forEach((segment, index) => {
    if (segment === '') throw new PathSyntaxError('HTTP path has an empty path segment');
    if (!/^[!-~]+$/.test(segment)) {
      throw new PathSyntaxError('HTTP path contains invalid characters inside a path segment');
    }
    const first = segment[0];
    if (first === ':') {
      const name = segment.slice(1);
      assertParamName(name, params);
      params.push(name);
      out.push(`:${name}`);
    } else if (first === '$') {
      const match = /^\$([^<]+)<(.+)>$/.exec(segment);
      if (!match) throw new PathSyntaxError(`Path segment "${segment}" must look like $name<regex>`);
      const [, name, regex] = match as unknown as [string, string, string];
      assertParamName(name, params);
      try {
        new RegExp(regex);
      } catch {
        throw new PathSyntaxError(`Path segment "${segment}" has an invalid regular expression`);
      }
      if (/[()]/.test(regex.replace(/\\[()]|\(\?:/g, ''))) {
        throw new PathSyntaxError(`Path segment "${segment}" must not use capturing groups; use (?:…)`);
      }
      params.push(name);
      out.push(`:${name}((?:${regex}))`);
    } else if (first === '*') {
      if (index !== segments.length - 1) throw new PathSyntaxError('A *rest parameter must be the last path segment');
      const name = segment.slice(1) || 'path';
      assertParamName(name, params);
      rest = name;
      params.push(name);
      out.push('*');
    } else {
      if (segment.includes('*')) throw new PathSyntaxError(`Path segment "${segment}" must not contain *`);
      out.push(segment.replaceAll(':', '::'));
    }
  });
  return { pattern: `/${out.join('/')}`, params, rest };
}

function assertParamName(name: string, seen: string[]): void {
  if (!paramName.test(name)) {
    throw new PathSyntaxError(`Path parameter "${name}" must start with a letter and use only letters, digits and _`);
  }
  if (seen.includes(name)) throw new PathSyntaxError(`Path parameter "${name}" is used twice`);
}

/** Exact paths the platform serves outside the operation table. */
export const reservedPaths = ['/metrics'] as const;

/** Paths under which Portico serves its web apps (server/src/web/), outside the operation table too. */
export const reservedPrefixes = [
  '/apps/developer',
  '/apps/account',
  '/apps/backend',
  '/apps/assets',
  // Fusio's admin app lived here: Portico redirects it to /apps/backend/
  '/apps/fusio',
] as const;

/** True when the first segment is one the platform keeps for its own APIs, or the path is reserved. */
export function usesReservedSegment(path: string): boolean {
  const first = path.split('/')[1]?.toLowerCase() ?? '';
  const trimmed = path.replace(/\/+$/, '').toLowerCase();
  if ((reservedPaths as readonly string[]).includes(trimmed)) return true;
  if (reservedPrefixes.some((prefix) => trimmed === prefix || trimmed.startsWith(`${prefix}/`))) return true;
  return (reservedSegments as readonly string[]).includes(first);
}
