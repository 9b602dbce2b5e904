import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { bearer, call, developer, pricedOperation, sdkFailure, unique } from './support/plan-helpers.js';

async function appToken(h: Harness, userId: number): Promise<{ appId: number; token: string }> {
  const app = (await h.admin
    .backend()
    .app()
    .create({ userId, name: unique('app'), url: 'https://example.com', scopes: ['default'] })) as {
    id?: string;
    appKey?: string;
    appSecret?: string;
  };
  const res = (await fetch(`${h.baseUrl}/authorization/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${app.appKey}:${app.appSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  }).then((r) => r.json())) as { access_token: string };
  return { appId: Number(app.id), token: res.access_token };
}

describe.each(await systemDatabases())('a developer’s own calls on $kind', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows a developer the calls they and their apps made, and never anyone else’s', async () => {
    const op = await pricedOperation(h, 0);
    const alice = await developer(h);
    const bob = await developer(h);
    const aliceApp = await appToken(h, alice.id);
    const bobApp = await appToken(h, bob.id);

    for (let i = 0; i < 2; i++) await call(h, `${op.path}?by=alice`, bearer(alice.token));
    await call(h, `${op.path}?by=alice-app`, bearer(aliceApp.token));
    for (let i = 0; i < 3; i++) await call(h, `${op.path}?by=bob`, bearer(bob.token));
    await call(h, `${op.path}?by=bob-app`, bearer(bobApp.token));
    await call(h, op.path);
    await h.flushLogs();
    // someone else calling through Alice's app (an OAuth2 grant) is a call of her app
    const carol = await developer(h);
    await h.portico.platform.db
      .insertInto('logs')
      .values({
        category_id: 1,
        operation_id: op.id,
        app_id: aliceApp.appId,
        user_id: carol.id,
        ip: '203.0.113.9',
        user_agent: 'carol-through-alice',
        method: 'GET',
        path: op.path,
        header: 'user-agent: carol-through-alice',
        body: null,
        response_code: 200,
        execution_time: 3,
        date: Date.now(),
      })
      .execute();

    const aliceLogs = await bearerClient(h, alice.token).consumer().log().getAll(0, 100);
    expect(aliceLogs.totalResults).toBe(4);
    expect(aliceLogs.entry?.map((l) => l.appId ?? null).sort()).toEqual(
      [aliceApp.appId, aliceApp.appId, null, null].sort(),
    );
    expect(aliceLogs.entry?.every((l) => l.path === op.path && l.method === 'GET')).toBe(true);
    expect(aliceLogs.entry?.[0]).not.toHaveProperty('header');

    const bobLogs = await bearerClient(h, bob.token).consumer().log().getAll(0, 100);
    expect(bobLogs.totalResults).toBe(4);
    const bobIds = new Set(bobLogs.entry?.map((l) => l.id));
    expect(aliceLogs.entry?.some((l) => bobIds.has(l.id))).toBe(false);
    // paged two at a time, newest first: the pages hold every entry once, in the same order as one page
    const pages = await Promise.all(
      [0, 2, 4].map((start) => bearerClient(h, alice.token).consumer().log().getAll(start, 2)),
    );
    expect(pages.map((p) => p.entry?.length ?? 0)).toEqual([2, 2, 0]);
    expect(pages.every((p) => p.totalResults === 4)).toBe(true);
    expect(pages.flatMap((p) => p.entry?.map((l) => l.id) ?? [])).toEqual(aliceLogs.entry?.map((l) => l.id));
    const dates = aliceLogs.entry?.map((l) => Date.parse(String(l.date))) ?? [];
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const oldestFirst = await call(h, '/consumer/log?count=100&sortOrder=asc', bearer(alice.token));
    expect((oldestFirst.body.entry as { id: number }[]).map((l) => l.id)).toEqual(
      [...(aliceLogs.entry?.map((l) => l.id) ?? [])].reverse(),
    );

    // one entry in full, including the headers as logged (credentials redacted)
    const oldest = aliceLogs.entry?.[aliceLogs.entry.length - 1];
    const mine = await bearerClient(h, alice.token).consumer().log().get(String(oldest?.id));
    expect(mine).toMatchObject({ id: oldest?.id, path: op.path, method: 'GET' });
    expect(mine.header).toContain('authorization: [redacted]');
    // another developer's entry does not exist for Alice
    expect(
      (
        await sdkFailure(
          bearerClient(h, alice.token)
            .consumer()
            .log()
            .get(String([...bobIds][0])),
        )
      ).message,
    ).toBe('Could not find log');
    // Carol sees her own call, even though it went through Alice's app
    expect((await bearerClient(h, carol.token).consumer().log().getAll()).totalResults).toBe(1);

    // search narrows by path; the platform's own consumer API calls are not listed
    expect((await bearerClient(h, alice.token).consumer().log().getAll(0, 100, 'no-such-path')).totalResults).toBe(0);
    expect((await call(h, '/consumer/log', {})).status).toBe(401);
  });
});
