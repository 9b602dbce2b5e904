import { describe, expect, it } from 'vitest';
import { covers, decideScopes, listScopes, splitScopes } from './scopes.js';

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

  it('grants what was asked within every limit; nothing asked means everything the limits allow', () => {
    expect(decideScopes([], { user: ['a', 'b'] }).granted).toEqual(['a', 'b']);
    expect(decideScopes(['a', 'c'], { user: ['a', 'b'] })).toEqual({
      granted: ['a'],
      refused: [{ scope: 'c', by: 'user' }],
    });
    expect(decideScopes(['backend.user'], { user: ['backend'], app: ['backend.user', 'x'] }).granted).toEqual([
      'backend.user',
    ]);
    expect(decideScopes(['a'], { user: ['a'], app: [] }).granted).toEqual([]);
  });

  it('never lets a narrow calling token grant more than it holds', () => {
    const decision = decideScopes(['backend', 'consumer.app'], {
      token: ['consumer.app'],
      user: ['backend', 'consumer', 'authorization'],
    });
    expect(decision.granted).toEqual(['consumer.app']);
    expect(decision.refused).toEqual([{ scope: 'backend', by: 'token' }]);
    // nothing asked: the intersection, not the user's whole entitlement
    expect(decideScopes([], { token: ['consumer.app'], user: ['backend', 'consumer'] }).granted).toEqual([
      'consumer.app',
    ]);
  });

  it('yields the covered children of a parent that is asked for, and refuses the parent itself', () => {
    const decision = decideScopes(['backend'], { user: ['backend'], app: ['backend.action', 'backend.user'] });
    expect(decision.granted).toEqual(['backend.action', 'backend.user']);
    expect(decision.refused).toEqual([{ scope: 'backend', by: 'app' }]);
  });

  it('never widens what a renewed credential had, and follows what the user may have now', () => {
    const original = ['backend', 'consumer'];
    // demoted since: backend is gone from the user's rights
    expect(decideScopes([], { original, user: ['consumer', 'authorization'] }).granted).toEqual(['consumer']);
    expect(decideScopes(['authorization'], { original, user: ['authorization'] }).refused).toEqual([
      { scope: 'authorization', by: 'original' },
    ]);
  });
});

describe('listScopes (what a token response names)', () => {
  const known = ['backend', 'backend.user', 'backend.action', 'consumer', 'consumer.app', 'todo', 'todos.read'];
  it('follows each parent with the existing scopes below it, sorted, once', () => {
    expect(listScopes(['backend', 'consumer.app', 'consumer.app'], known)).toEqual([
      'backend',
      'backend.action',
      'backend.user',
      'consumer.app',
    ]);
  });
  it('lists a child alone and never a lookalike of a parent', () => {
    expect(listScopes(['todo'], known)).toEqual(['todo']);
    expect(listScopes(['backend.user'], known)).toEqual(['backend.user']);
  });
});
