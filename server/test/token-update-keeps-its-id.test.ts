import type { Client } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, newDeveloper, sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { postForm, startSecondNode, statusWithToken } from './support/oauth-fixtures.js';

const databases = await systemDatabases();
const postgres = databases.find((d) => d.kind === 'postgres');
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A developer made by the admin, logged in through the SDK. */
async function developer(h: Harness): Promise<Client> {
  const dev = newDeveloper('pat');
  const role = (await h.admin.backend().role().getAll(0, 16, 'Consumer')).entry?.[0];
  await h.admin
    .backend()
    .user()
    .create({ name: dev.name, email: dev.email, password: dev.password, roleId: role?.id, status: 1 });
  const jwt = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
  return bearerClient(h, String(jwt.token));
}

async function waitUntilRefused(node: Harness, token: string, limitMs = 5000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await statusWithToken(node, '/consumer/account', token)) === 401) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Number.POSITIVE_INFINITY;
}

describe.each(databases)('updating a personal access token keeps its id, through the fusio-sdk ($kind)', (database) => {
  let h: Harness;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness(database);
    client = await developer(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('renames and extends the token under the same id; the old access token stops working', async () => {
    const tokens = client.consumer().token();
    const created = await tokens.create({ name: 'ci', scopes: ['consumer.account'], expire: inDays(30) });
    const oldToken = String(created.access_token);
    const id = String((await tokens.getAll()).entry?.[0]?.id);

    const updated = await tokens.update(id, { name: 'ci-renamed', expire: inDays(90) });
    expect(updated.access_token).toBeTruthy();
    expect(updated.access_token).not.toBe(oldToken);
    expect(updated.expires_in).toBeGreaterThan(89 * 86_400);
    expect(updated.scope?.split(',')).toContain('consumer.account');

    const list = await tokens.getAll();
    expect(list.entry?.map((t) => [String(t.id), t.name])).toEqual([[id, 'ci-renamed']]);
    const again = await tokens.get(id);
    expect(again).toMatchObject({ name: 'ci-renamed', scopes: ['consumer.account', 'authorization'] });
    expect(Date.parse(String(again.expire))).toBeGreaterThan(Date.now() + 89 * 86_400_000);

    expect(await statusWithToken(h, '/consumer/account', oldToken)).toBe(401);
    expect(await statusWithToken(h, '/consumer/account', String(updated.access_token))).toBe(200);

    // a second update keeps the id again, and the token can still be deleted by it
    const twice = await tokens.update(id, { name: 'ci-final' });
    expect((await tokens.getAll()).entry?.map((t) => String(t.id))).toEqual([id]);
    expect(await statusWithToken(h, '/consumer/account', String(updated.access_token))).toBe(401);
    await tokens.delete(id);
    expect(await statusWithToken(h, '/consumer/account', String(twice.access_token))).toBe(401);
    expect((await sdkError(tokens.get(id))).message).toBe('Could not find token');
    expect((await sdkError(tokens.update(id, { name: 'gone' }))).message).toBe('Could not find token');
  });

  it('a replay of the refresh token the update replaced ends the token', async () => {
    const tokens = client.consumer().token();
    const created = await tokens.create({ name: 'replayed', scopes: ['consumer.account'], expire: inDays(10) });
    const id = String((await tokens.getAll()).entry?.find((t) => t.name === 'replayed')?.id);
    const updated = await tokens.update(id, { name: 'replayed' });
    const replay = await postForm(h, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: String(created.refresh_token),
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await statusWithToken(h, '/consumer/account', String(updated.access_token))).toBe(401);
  });
});

describe.skipIf(!postgres)('a token updated on one node is refused by another', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    a = await startHarness(postgres as NonNullable<typeof postgres>);
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('within a second, though the row kept its id', async () => {
    const tokens = (await developer(a)).consumer().token();
    const created = await tokens.create({ name: 'shared', scopes: ['consumer.account'], expire: inDays(5) });
    const oldToken = String(created.access_token);
    // node B has verified (and cached) the old token
    expect(await statusWithToken(b, '/consumer/account', oldToken)).toBe(200);
    const id = String((await tokens.getAll()).entry?.[0]?.id);
    const updated = await tokens.update(id, { name: 'shared-2' });
    expect(await waitUntilRefused(b, oldToken)).toBeLessThan(1500);
    expect(await statusWithToken(b, '/consumer/account', String(updated.access_token))).toBe(200);
  });
});
