import { describe, expect, it } from 'vitest';
import { PathSyntaxError, parsePath, usesReservedSegment } from './path.js';

describe('Fusio path syntax', () => {
  it('translates :name, $name<regex> and *rest for find-my-way', () => {
    expect(parsePath('/')).toEqual({ pattern: '/', params: [], rest: null });
    expect(parsePath('/todo/:id')).toEqual({ pattern: '/todo/:id', params: ['id'], rest: null });
    expect(parsePath('/todo/$id<[0-9]+>/items')).toEqual({
      pattern: '/todo/:id((?:[0-9]+))/items',
      params: ['id'],
      rest: null,
    });
    expect(parsePath('/files/*path')).toEqual({ pattern: '/files/*', params: ['path'], rest: 'path' });
    expect(parsePath('/files/*').rest).toBe('path');
  });

  it('keeps a colon inside a static segment literal', () => {
    expect(parsePath('/v1/things:search').pattern).toBe('/v1/things::search');
  });

  it.each([
    ['no-slash', 'must start with a /'],
    ['/a//b', 'empty path segment'],
    ['/a/b c', 'invalid characters'],
    ['/a/:1bad', 'must start with a letter'],
    ['/a/:id/:id', 'used twice'],
    ['/a/$id<[0-9+>', 'invalid regular expression'],
    ['/a/$id<([0-9]+)>', 'capturing groups'],
    ['/a/$id', 'must look like'],
    ['/a/*rest/more', 'last path segment'],
    ['/a/b*c', 'must not contain *'],
  ])('refuses %s', (path, message) => {
    expect(() => parsePath(path)).toThrow(PathSyntaxError);
    expect(() => parsePath(path)).toThrow(message);
  });

  it('knows the reserved first segments, case-insensitively', () => {
    expect(usesReservedSegment('/backend/x')).toBe(true);
    expect(usesReservedSegment('/Authorization')).toBe(true);
    expect(usesReservedSegment('/backends')).toBe(false);
    expect(usesReservedSegment('/')).toBe(false);
    expect(usesReservedSegment('/apps/developer/:page')).toBe(true);
    expect(usesReservedSegment('/Apps/Assets')).toBe(true);
    expect(usesReservedSegment('/apps/shop')).toBe(false);
  });
});
