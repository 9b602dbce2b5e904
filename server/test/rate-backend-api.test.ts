import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { call, policyOf, publicOperation } from './support/rate-helpers.js';

const databases = await systemDatabases();

/** A backend call outside the SDK, to see the status code. */
async function send(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await h.fetch(path, {
    method,
    headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The message of a call the SDK reports as failed. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload().message ?? '';
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe.each(databases)('/backend/rate through the fusio-sdk ($kind)', (database) => {
  let h: Harness;
  let operationId: number;

  beforeAll(async () => {
    h = await startHarness(database);
    // the stories read the rate's name from RateLimit-Policy (the IETF form)
    await h.admin
      .backend()
      .config()
      .update('~rate_limit_headers', { value: 'ietf' } as never);
    operationId = await publicOperation(h, 'rated.thing', '/rated/thing');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('ships Fusio’s default rates, listed by priority', async () => {
    const rates = await h.admin.backend().rate().getAll();
    expect(rates.totalResults).toBe(2);
    expect(rates.entry).toEqual([
      { id: expect.any(Number), status: 1, priority: 4, name: 'Default-Anonymous', rateLimit: 900, timespan: 'PT1H' },
      { id: expect.any(Number), status: 1, priority: 0, name: 'Default', rateLimit: 3600, timespan: 'PT1H' },
    ]);
    const anonymous = await h.admin.backend().rate().get('~Default-Anonymous');
    expect(anonymous.allocation).toEqual([{ id: expect.any(Number), rateId: anonymous.id, authenticated: false }]);
    const fallback = await h.admin.backend().rate().get('~Default');
    expect(fallback.allocation).toEqual([{ id: expect.any(Number), rateId: fallback.id }]);
  });

  it('creates, reads, updates and deletes a rate, and each change is live when the call returns', async () => {
    const rates = h.admin.backend().rate();
    const created = await rates.create({
      priority: 10,
      name: 'Premium',
      rateLimit: 20,
      timespan: 'PT2H',
      allocation: [{ operationId, authenticated: false }],
      metadata: { tier: 'premium' },
    });
    expect(created).toMatchObject({ success: true, message: 'Rate successfully created' });
    const id = String(created.id);
    expect(await rates.get(id)).toEqual({
      id: Number(id),
      status: 1,
      priority: 10,
      name: 'Premium',
      rateLimit: 20,
      timespan: 'PT2H',
      metadata: { tier: 'premium' },
      allocation: [{ id: expect.any(Number), rateId: Number(id), operationId, authenticated: false }],
    });
    expect((await rates.get('~Premium')).id).toBe(Number(id));
    const first = await call(h, '/rated/thing');
    expect(first.headers.get('ratelimit-policy')).toBe('"Premium";q=20;w=7200');

    // an update without `allocation` keeps the allocations
    const updated = await rates.update(id, { rateLimit: 30, timespan: 'PT1M' });
    expect(updated).toMatchObject({ success: true, message: 'Rate successfully updated', id });
    expect(await rates.get(id)).toMatchObject({ rateLimit: 30, timespan: 'PT1M', name: 'Premium', priority: 10 });
    expect((await rates.get(id)).allocation).toHaveLength(1);
    expect((await call(h, '/rated/thing')).headers.get('ratelimit-policy')).toBe('"Premium";q=30;w=60');

    // with `allocation` they are replaced; plans are taken as given
    await rates.update(id, { name: 'Premium-Plus', allocation: [{ planId: 9 }, { userId: 1 }] });
    const replaced = await rates.get('~Premium-Plus');
    expect(replaced.allocation).toEqual([
      { id: expect.any(Number), rateId: Number(id), planId: 9 },
      { id: expect.any(Number), rateId: Number(id), userId: 1 },
    ]);
    expect(policyOf(await call(h, '/rated/thing'))).toBe('Default-Anonymous');

    const search = await rates.getAll(0, 16, 'plus');
    expect(search.entry?.map((r) => r.name)).toEqual(['Premium-Plus']);
    const paged = await rates.getAll(1, 1);
    expect(paged).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 1 });
    expect(paged.entry?.map((r) => r.name)).toEqual(['Default-Anonymous']);

    expect(await rates.delete(id)).toMatchObject({ success: true, message: 'Rate successfully deleted', id });
    expect(await failure(rates.get(id))).toBe('Could not find rate');
    expect((await send(h, 'GET', `/backend/rate/${id}`)).status).toBe(404);
    expect((await rates.getAll()).totalResults).toBe(2);
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const base = { name: 'Valid-Name', rateLimit: 5, timespan: 'PT1M' };
    const refusals: [string, string, unknown, number, RegExp][] = [
      ['POST', '/backend/rate', { ...base, name: 'x' }, 400, /^Invalid rate name/],
      ['POST', '/backend/rate', { ...base, timespan: 'one hour' }, 400, /ISO-8601 duration/],
      ['POST', '/backend/rate', { ...base, timespan: 'P20Y' }, 400, /at most ten years/],
      ['POST', '/backend/rate', { ...base, rateLimit: -1 }, 400, /Rate limit must be/],
      ['POST', '/backend/rate', { ...base, rateLimit: 'many' }, 400, /rateLimit/],
      ['POST', '/backend/rate', { name: 'No-Limit', timespan: 'PT1M' }, 400, /rateLimit/],
      [
        'POST',
        '/backend/rate',
        { ...base, allocation: [{ operationId: 999999 }] },
        400,
        /^Operation 999999 does not exist$/,
      ],
      ['POST', '/backend/rate', { ...base, allocation: [{ userId: 999999 }] }, 400, /^User 999999 does not exist$/],
      ['POST', '/backend/rate', { ...base, allocation: [{ appId: 999999 }] }, 400, /^App 999999 does not exist$/],
      ['POST', '/backend/rate', { ...base, name: 'Default' }, 409, /^Rate already exists$/],
      ['PUT', '/backend/rate/~Default', { timespan: 'P' }, 400, /ISO-8601 duration/],
      ['PUT', '/backend/rate/~Default', { name: 'Default-Anonymous' }, 409, /^Rate already exists$/],
      ['PUT', '/backend/rate/~Default', { allocation: [{ operationId: 999999 }] }, 400, /does not exist/],
      ['DELETE', '/backend/rate/~Nope', undefined, 404, /^Could not find rate$/],
    ];
    for (const [method, path, body, status, text] of refusals) {
      const res = await send(h, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body).toMatchObject({ success: false, message: expect.stringMatching(text) });
    }
    expect(
      await failure(
        h.admin
          .backend()
          .rate()
          .create({ ...base, name: 'Default' }),
      ),
    ).toBe('Rate already exists');
    const after = await h.admin.backend().rate().getAll();
    expect(after.entry?.map((r) => [r.name, r.rateLimit, r.timespan])).toEqual([
      ['Default-Anonymous', 900, 'PT1H'],
      ['Default', 3600, 'PT1H'],
    ]);
    expect((await h.admin.backend().rate().get('~Default')).allocation).toHaveLength(1);
  });

  it('drops the allocations of a deleted operation with it', async () => {
    const doomed = await publicOperation(h, 'rated.doomed', '/rated/doomed');
    const id = String(
      (
        await h.admin
          .backend()
          .rate()
          .create({ name: 'Doomed', rateLimit: 5, timespan: 'PT1M', allocation: [{ operationId: doomed }] })
      ).id,
    );
    await h.admin.backend().operation().delete(String(doomed));
    expect((await h.admin.backend().rate().get(id)).allocation).toEqual([]);
    await h.admin.backend().rate().delete(id);
  });
});
