import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PathSyntaxError, parsePath, usesReservedSegment } from '../src/gateway/path.js';

// the admin app checks an operation's path while it is typed; it must say what the server would say
type PathCheck = { ok: true; params: string[] } | { ok: false; message: string };
const webChecker = fileURLToPath(
  new URL('../../web/src/features/backend-entities/lib/path-syntax.ts', import.meta.url),
);
const { checkPath } = (await import(/* @vite-ignore */ webChecker)) as { checkPath(path: string): PathCheck };

function serverCheck(path: string): PathCheck {
  if (path === '') return { ok: false, message: 'HTTP path must not be empty' };
  if (!path.startsWith('/')) return { ok: false, message: 'HTTP path must start with a /' };
  if (usesReservedSegment(path)) {
    return { ok: false, message: 'HTTP path uses a path segment which is reserved for the system' };
  }
  try {
    return { ok: true, params: parsePath(path).params };
  } catch (error) {
    if (error instanceof PathSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

const paths = [
  '/',
  '/foo',
  '/foo/:id',
  '/foo/$id<[0-9]+>',
  '/foo/$id<(?:a|b)>',
  '/foo/$id<(a|b)>',
  '/foo/$id<[0-9+>',
  '/foo/$id',
  '/files/*path',
  '/files/*',
  '/files/*path/more',
  '/foo*bar',
  '/foo//bar',
  '/foo/bar/',
  '/foo/:1abc',
  '/foo/:id/:id',
  '/foo/ä',
  'foo',
  '',
  '/backend/thing',
  '/Consumer',
  '/metrics',
  '/apps/developer/x',
  '/apps/backend/users',
  '/apps/fusio',
  '/apps/other',
  '/time:now',
];

describe('the admin app checks an operation path as the server does', () => {
  it.each(paths)('%j', (path) => {
    expect(checkPath(path)).toEqual(serverCheck(path));
  });

  it('names the parameters of a good path and the fault of a bad one', () => {
    expect(checkPath('/orders/$id<[0-9]+>/items/:item')).toEqual({ ok: true, params: ['id', 'item'] });
    expect(checkPath('/orders/:id/:id')).toEqual({ ok: false, message: 'Path parameter "id" is used twice' });
  });
});
