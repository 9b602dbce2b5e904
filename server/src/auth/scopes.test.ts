import { describe, expect, it } from 'vitest';
import { covers, grantScopes, splitScopes } from './scopes.js';

describe('scopes', () => {
  it('splits on commas when there are any, else on spaces', () => {
    expect(splitScopes('a,b , c')).toEqual(['a', 'b', 'c']);
    expect(splitScopes('a b  c')).toEqual(['a', 'b', 'c']);
    expect(splitScopes('a,a')).toEqual(['a']);
    expect(splitScopes(undefined)).toEqual([]);
    expect(splitScopes(['x', 3, 'y'])).toEqual(['x', 'y']);
  });

  it('lets a parent scope cover its children, not the other way round', () => {
    expect(covers(new Set(['backend']), 'backend.action')).toBe(true);
    expect(covers(new Set(['backend.action']), 'backend')).toBe(false);
    expect(covers(new Set(['backend']), 'backendx')).toBe(false);
  });

  it('grants what was asked, limited by every party; nothing asked means all of the first', () => {
    expect(grantScopes([], ['a', 'b'])).toEqual(['a', 'b']);
    expect(grantScopes(['a', 'c'], ['a', 'b'])).toEqual(['a']);
    expect(grantScopes(['backend.user'], ['backend'], ['backend.user', 'x'])).toEqual(['backend.user']);
    expect(grantScopes(['a'], ['a'], [])).toEqual([]);
  });
});
