import { describe, expect, it } from 'vitest';
import * as library from './index.js';

describe("the package's library entry (index.js)", () => {
  it('re-exports every value src/index.ts exports, from the same modules', async () => {
    // the package's name resolves to index.js, which names its exports one by one (it loads dist or the sources at run time): none may be missing
    const entry = (await import('@portico/server')) as Record<string, unknown>;
    expect(Object.keys(entry).sort()).toEqual(Object.keys(library).sort());
    for (const [name, value] of Object.entries(library)) expect(entry[name], name).toBe(value);
  });
});
