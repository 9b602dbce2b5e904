import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { call, developer, login, roleId, sdkFailure, tokenScopes, unique } from './support/plan-helpers.js';

describe.each(await systemDatabases())('plans on $kind', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(database);
    await h.admin.backend().scope().create({ name: 'premium', description: 'What paying developers get' });
    await h.admin.backend().scope().create({ name: 'archive', description: 'Old data' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, lists, reads, updates and deletes plans through the SDK', async () => {
    const plans = h.admin.backend().plan();
    const name = unique('Gold ');
    const created = await plans.create({
      name,
      description: 'For serious use',
      price: 9.99,
      points: 1000,
      period: 1,
      externalId: 'price_123',
      scopes: ['premium'],
      metadata: { tier: 'gold' },
    });
    expect(created.success).toBe(true);
    const id = String(created.id);

    const plan = await plans.get(id);
    expect(plan).toEqual({
      id: Number(id),
      status: 1,
      name,
      description: 'For serious use',
      price: 9.99,
      points: 1000,
      period: 1,
      externalId: 'price_123',
      scopes: ['premium'],
      metadata: { tier: 'gold' },
    });
    expect(await plans.get(`~${encodeURIComponent(name)}`)).toMatchObject({ id: Number(id) });

    const cheap = await plans.create({ name: unique('Bronze '), price: 1, points: 50 });
    const list = await plans.getAll(0, 16);
    const ids = list.entry?.map((p) => p.id);
    // cheapest first, as Fusio lists them
    expect(ids?.indexOf(Number(cheap.id))).toBeLessThan(ids?.indexOf(Number(id)) ?? -1);
    expect((await plans.getAll(0, 16, name.slice(0, 12))).entry?.map((p) => p.id)).toEqual([Number(id)]);

    await plans.update(id, { points: 2000, scopes: ['premium', 'archive'] });
    const updated = await plans.get(id);
    expect(updated).toMatchObject({ name, price: 9.99, points: 2000, period: 1 });
    expect(updated.scopes).toEqual(['archive', 'premium']);

    // a developer sees the plans without the provider's id and without scopes
    const dev = await developer(h);
    const consumerPlan = await bearerClient(h, dev.token).consumer().plan().get(id);
    expect(consumerPlan).toEqual({
      id: Number(id),
      name,
      description: 'For serious use',
      price: 9.99,
      points: 2000,
      period: 1,
      metadata: { tier: 'gold' },
    });
    const consumerList = await bearerClient(h, dev.token).consumer().plan().getAll();
    expect(consumerList.entry?.some((p) => p.id === Number(id))).toBe(true);

    await plans.delete(id);
    expect((await sdkFailure(plans.get(id))).message).toBe('Could not find plan');
    expect(
      (await call(h, `/backend/plan/${id}`, { headers: { authorization: `Bearer ${await h.adminToken()}` } })).status,
    ).toBe(404);
  });

  it('refuses bad plans with a clear message and changes nothing', async () => {
    const plans = h.admin.backend().plan();
    const name = unique('Silver ');
    await plans.create({ name, price: 5, points: 10 });
    const before = (await plans.getAll(0, 1024)).totalResults;
    expect((await sdkFailure(plans.create({ name }))).message).toBe('Plan already exists');
    expect((await sdkFailure(plans.create({ name: '' }))).message).toBe('Plan name must not be empty');
    expect((await sdkFailure(plans.create({ name: unique('P'), price: -1 }))).message).toBe(
      'Plan price must be a number of at least 0',
    );
    expect((await sdkFailure(plans.create({ name: unique('P'), points: 1.5 }))).message).toBe(
      'Request body: property /points must be integer,null',
    );
    expect((await sdkFailure(plans.create({ name: unique('P'), points: -3 }))).message).toBe(
      'Plan points must be a whole number of at least 0',
    );
    expect((await sdkFailure(plans.create({ name: unique('P'), period: 7 }))).message).toBe(
      'Plan period must be 0 (one-time purchase) or 1 (subscription)',
    );
    expect((await sdkFailure(plans.create({ name: unique('P'), scopes: ['no-such-scope'] }))).message).toBe(
      'Scope no-such-scope does not exist',
    );
    expect((await plans.getAll(0, 1024)).totalResults).toBe(before);
  });

  it("gives a plan's scopes to its users' tokens, and takes them away with the plan", async () => {
    const plans = h.admin.backend().plan();
    const created = await plans.create({ name: unique('Scoped '), price: 0, points: 0, scopes: ['premium'] });
    const planId = Number(created.id);
    const dev = await developer(h, { planId });
    expect(tokenScopes(dev.token)).toContain('premium');
    expect(tokenScopes(dev.token)).not.toContain('archive');

    // an app's client credentials token carries what the app was given, within the user's scopes
    const app = (await h.admin
      .backend()
      .app()
      .create({ userId: dev.id, name: unique('app'), url: 'https://example.com', scopes: ['premium'] })) as {
      appKey?: string;
      appSecret?: string;
    };
    const token = await fetch(`${h.baseUrl}/authorization/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.appKey}:${app.appSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=premium',
    }).then((r) => r.json() as Promise<{ access_token?: string; scope?: string }>);
    expect(tokenScopes(String(token.access_token))).toEqual(['premium']);

    // the backend shows the plan on the user
    expect((await h.admin.backend().user().get(String(dev.id))).planId).toBe(planId);
    // a plan people are on cannot be deleted
    expect((await sdkFailure(plans.delete(String(planId)))).message).toBe(
      'Plan is assigned to users; move them to another plan first',
    );

    await h.admin
      .backend()
      .user()
      .update(String(dev.id), { planId: null as unknown as number, roleId: await roleId(h, 'Consumer') });
    expect(tokenScopes(await login(h, dev.name, dev.password))).not.toContain('premium');
    await plans.delete(String(planId));
  });
});
