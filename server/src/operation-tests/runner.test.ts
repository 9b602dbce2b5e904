import { describe, expect, it } from 'vitest';
import { pathOf } from './runner.js';

describe('the path a stored test calls', () => {
  it('fills the parameters of every path syntax from the uri fragments, encoded', () => {
    const fragments = new URLSearchParams('id=7&slug=a b&path=docs/intro page');
    expect(pathOf('/thing/:id', fragments)).toBe('/thing/7');
    expect(pathOf('/thing/$id<[0-9]+>/x', fragments)).toBe('/thing/7/x');
    expect(pathOf('/page/:slug', fragments)).toBe('/page/a%20b');
    expect(pathOf('/files/*path', fragments)).toBe('/files/docs/intro%20page');
    expect(pathOf('/plain', fragments)).toBe('/plain');
  });

  it('names the parameter the fragments lack', () => {
    expect(() => pathOf('/thing/:id/:other', new URLSearchParams('id=1'))).toThrow('Missing parameter "other" in path');
  });

  it('keeps a fragment from leaving its segment', () => {
    expect(pathOf('/thing/:id', new URLSearchParams('id=../backend'))).toBe('/thing/..%2Fbackend');
  });
});
