import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Usage } from '../src/statistics/usage.js';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { bearer, call, type Developer, developer, pricedOperation } from './support/plan-helpers.js';

const day = 86_400_000;
const isoDay = (millis: number) => new Date(millis).toISOString().slice(0, 10);

describe.each(await systemDatabases())('a developer charts their calls per day ($kind)', (database) => {
  let h: Harness;
  let alice: Developer;
  let bob: Developer;
  let aliceApp: { id: number; key: string; secret: string };
  let bobAppId: number;
  const ops: { id: number; path: string }[] = [];

  const usage = async (query: string, token = alice.token) => {
    const res = await h.fetch(`/consumer/usage${query}`, bearer(token));
    return { status: res.status, body: (await res.json()) as Usage & { message?: string } };
  };
  const log = (values: {
    op: { id: number };
    date: number;
    status?: number | null;
    userId?: number | null;
    appId?: number | null;
    category?: number;
    times?: number;
  }) =>
    h.portico.platform.db
      .insertInto('logs')
      .values(
        Array.from({ length: values.times ?? 1 }, () => ({
          category_id: values.category ?? 1,
          operation_id: values.op.id,
          app_id: values.appId ?? null,
          user_id: values.userId === undefined ? alice.id : values.userId,
          ip: '203.0.113.1',
          user_agent: 'usage-test',
          method: 'GET',
          path: '/x',
          header: '',
          body: null,
          response_code: values.status === undefined ? 200 : values.status,
          execution_time: 1,
          date: values.date,
        })),
      )
      .execute();
  const createApp = async (userId: number) => {
    const app = (await h.admin
      .backend()
      .app()
      .create({
        userId,
        name: `usage-app-${userId}-${ops.length}`,
        url: 'https://example.com',
        scopes: ['default'],
      })) as {
      id?: string;
      appKey?: string;
      appSecret?: string;
    };
    return { id: Number(app.id), key: app.appKey as string, secret: app.appSecret as string };
  };

  beforeAll(async () => {
    h = await startHarness(database);
    for (let i = 0; i < 12; i++) ops.push(await pricedOperation(h, 0));
    alice = await developer(h);
    bob = await developer(h);
    aliceApp = await createApp(alice.id);
    bobAppId = (await createApp(bob.id)).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts the calls a developer and their apps make today, by status and operation', async () => {
    const op = ops[0] as { id: number; path: string };
    for (let i = 0; i < 3; i++) expect((await call(h, op.path, bearer(alice.token))).status).toBe(200);
    const token = (await (
      await h.fetch('/authorization/token', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${aliceApp.key}:${aliceApp.secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
    ).json()) as { access_token: string };
    expect((await call(h, op.path, bearer(token.access_token))).status).toBe(200);
    await call(h, op.path, bearer(bob.token));
    await call(h, op.path);
    await h.flushLogs();

    const { status, body } = await usage('');
    expect(status).toBe(200);
    const today = isoDay(Date.now());
    expect(body.to).toBe(today);
    expect(body.from).toBe(isoDay(Date.now() - 29 * day));
    expect(body.days).toHaveLength(30);
    expect(body.days.at(-1)).toBe(today);
    expect(body.total).toBe(4);
    expect(body.byStatus.map((s) => s.name)).toEqual(['2xx', '3xx', '4xx', '5xx']);
    expect(body.byStatus[0]?.counts.at(-1)).toBe(4);
    expect(body.byStatus.slice(1).every((s) => s.counts.every((n) => n === 0))).toBe(true);
    expect(body.byOperation).toEqual([
      expect.objectContaining({ operationId: op.id, total: 4, counts: [...new Array(29).fill(0), 4] }),
    ]);
    // through the app only
    expect((await usage(`?appId=${aliceApp.id}`)).body.total).toBe(1);
    // Bob sees his one call, not Alice's
    expect((await usage('', bob.token)).body.total).toBe(1);
  });

  it('sums whole UTC days of a chosen range: the top ten operations and the rest as "other"', async () => {
    const first = Date.UTC(2026, 0, 10);
    const last = Date.UTC(2026, 0, 16);
    // operation k gets 20 - k calls on the first day, status classes spread over the days
    for (const [k, op] of ops.entries()) await log({ op, date: first + 1000 * k, times: 20 - k });
    await log({ op: ops[0] as { id: number }, date: first + 2 * day + 5, status: 301, times: 2 });
    await log({ op: ops[1] as { id: number }, date: first + 3 * day, status: 404, times: 3 });
    await log({ op: ops[1] as { id: number }, date: last + day - 1, status: 503 });
    await log({ op: ops[2] as { id: number }, date: last + day - 1, status: 200, appId: aliceApp.id, userId: bob.id });
    // outside the range, someone else's, the platform's own API: none of them count
    await log({ op: ops[0] as { id: number }, date: first - 1, times: 5 });
    await log({ op: ops[0] as { id: number }, date: last + day, times: 5 });
    await log({ op: ops[0] as { id: number }, date: first, userId: bob.id, times: 7 });
    await log({ op: ops[0] as { id: number }, date: first, userId: null, appId: bobAppId, times: 7 });
    await log({ op: ops[0] as { id: number }, date: first, category: 3, times: 7 });

    const { status, body } = await usage('?from=2026-01-10&to=2026-01-16');
    expect(status).toBe(200);
    expect(body.days).toEqual([
      '2026-01-10',
      '2026-01-11',
      '2026-01-12',
      '2026-01-13',
      '2026-01-14',
      '2026-01-15',
      '2026-01-16',
    ]);
    const firstDay = ops.reduce((sum, _op, k) => sum + 20 - k, 0);
    expect(body.total).toBe(firstDay + 2 + 3 + 1 + 1);
    const series = Object.fromEntries(body.byStatus.map((s) => [s.name, s.counts]));
    expect(series).toEqual({
      '2xx': [firstDay, 0, 0, 0, 0, 0, 1],
      '3xx': [0, 0, 2, 0, 0, 0, 0],
      '4xx': [0, 0, 0, 3, 0, 0, 0],
      '5xx': [0, 0, 0, 0, 0, 0, 1],
    });
    expect(body.byOperation).toHaveLength(11);
    // ranked by total: op1 (19 + 3 + 1) before op0 (20 + 2), then op2 (18 + 1 through Alice's app), op3...
    const order = [1, 0, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => ops[k]?.id);
    expect(body.byOperation.slice(0, 10).map((o) => o.operationId)).toEqual(order);
    expect(body.byOperation[0]).toMatchObject({ total: 23, counts: [19, 0, 0, 3, 0, 0, 1] });
    expect(body.byOperation[1]).toMatchObject({ total: 22, counts: [20, 0, 2, 0, 0, 0, 0] });
    expect(body.byOperation[2]).toMatchObject({ total: 19, counts: [18, 0, 0, 0, 0, 0, 1] });
    expect(body.byOperation[1]?.name).toMatch(/^priced/);
    expect(body.byOperation[10]).toEqual({ name: 'other', counts: [10 + 9, 0, 0, 0, 0, 0, 0], total: 19 });

    // one day, and the app alone
    expect((await usage('?from=2026-01-13&to=2026-01-13')).body).toMatchObject({ days: ['2026-01-13'], total: 3 });
    const app = (await usage(`?from=2026-01-10&to=2026-01-16&appId=${aliceApp.id}`)).body;
    expect(app.total).toBe(1);
    expect(app.byOperation).toEqual([
      { operationId: ops[2]?.id, name: expect.any(String), counts: [0, 0, 0, 0, 0, 0, 1], total: 1 },
    ]);
    // a full year is allowed
    expect((await usage('?from=2025-01-17&to=2026-01-17')).body.days).toHaveLength(366);
  });

  it('refuses bad ranges with a 400 and other developers’ apps with a 404', async () => {
    const refused: [string, number, RegExp][] = [
      ['?from=2026-13-01', 400, /YYYY-MM-DD/],
      ['?from=2026-02-30', 400, /YYYY-MM-DD/],
      ['?to=yesterday', 400, /"to" must be a date/],
      ['?from=2026-1-5', 400, /YYYY-MM-DD/],
      ['?from=2026-01-10T00:00:00Z', 400, /YYYY-MM-DD/],
      ['?from=2026-01-16&to=2026-01-10', 400, /must not be after/],
      ['?from=2025-01-16&to=2026-01-17', 400, /at most 366 days/],
      ['?from=1900-01-01', 400, /at most 366 days/],
      ['?appId=abc', 400, /integer/],
      [`?appId=${bobAppId}`, 404, /Could not find app/],
      ['?appId=999999', 404, /Could not find app/],
    ];
    for (const [query, status, message] of refused) {
      const res = await usage(query);
      expect([query, res.status]).toEqual([query, status]);
      expect(res.body.message).toMatch(message);
    }
  });

  it('answers only a developer’s own token with the log scope', async () => {
    expect((await call(h, '/consumer/usage')).status).toBe(401);
    const narrow = await bearerClient(h, alice.token)
      .consumer()
      .token()
      .create({ name: 'apps only', scopes: ['consumer.app'], expire: isoDay(Date.now() + 5 * day) });
    expect((await usage('', narrow.access_token)).status).toBe(403);
    const logScope = await bearerClient(h, alice.token)
      .consumer()
      .token()
      .create({ name: 'logs', scopes: ['consumer.log'], expire: isoDay(Date.now() + 5 * day) });
    const own = await usage('?from=2026-01-10&to=2026-01-16', logScope.access_token);
    expect(own.status).toBe(200);
    expect(own.body.total).toBeGreaterThan(0);
  });
});
