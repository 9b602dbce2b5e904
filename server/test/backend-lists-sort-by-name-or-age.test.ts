import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

describe.each(await systemDatabases())('backend lists in the order asked for ($kind)', (database) => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness(database);
    token = await h.adminToken();
    // created in an order that is neither alphabetical nor its reverse
    for (const name of ['sorted.beta', 'sorted.alpha', 'sorted.gamma']) {
      await h.admin.backend().scope().create({ name, description: name });
    }
    for (const name of ['Sorted-Beta', 'Sorted-Alpha']) {
      await h.admin.backend().role().create({ name, categoryId: 1, scopes: [] });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  const names = async (collection: string, query: string) => {
    const res = await h.fetch(`/backend/${collection}?search=sorted&${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { totalResults: number; entry: { name: string }[] };
    return body.entry.map((e) => e.name);
  };

  it('sorts by name either way, and by age either way', async () => {
    expect(await names('scope', 'sortBy=name&sortOrder=asc')).toEqual(['sorted.alpha', 'sorted.beta', 'sorted.gamma']);
    expect(await names('scope', 'sortBy=name&sortOrder=desc')).toEqual(['sorted.gamma', 'sorted.beta', 'sorted.alpha']);
    expect(await names('scope', 'sortBy=name')).toEqual(['sorted.alpha', 'sorted.beta', 'sorted.gamma']);
    expect(await names('scope', 'sortBy=id&sortOrder=asc')).toEqual(['sorted.beta', 'sorted.alpha', 'sorted.gamma']);
    expect(await names('scope', 'sortBy=id')).toEqual(['sorted.gamma', 'sorted.alpha', 'sorted.beta']);
    expect(await names('role', 'sortBy=name')).toEqual(['Sorted-Alpha', 'Sorted-Beta']);
  });

  it('pages through the sorted list without skipping or repeating', async () => {
    const first = await names('scope', 'sortBy=name&count=2&startIndex=0');
    const second = await names('scope', 'sortBy=name&count=2&startIndex=2');
    expect([...first, ...second]).toEqual(['sorted.alpha', 'sorted.beta', 'sorted.gamma']);
  });

  it('keeps the entity’s own order for a column it does not sort by', async () => {
    expect(await names('scope', 'sortBy=description')).toEqual(await names('scope', ''));
    expect(await names('scope', '')).toEqual(['sorted.gamma', 'sorted.alpha', 'sorted.beta']);
  });
});
