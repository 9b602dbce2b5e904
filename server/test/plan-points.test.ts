import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage, MailTransport } from '../src/mail/index.js';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { bearer, call, developer, pointsOf, pricedOperation, setPoints, unique } from './support/plan-helpers.js';

const day = 86_400_000;

class Inbox implements MailTransport {
  readonly description = 'test inbox';
  readonly messages: MailMessage[] = [];
  async deliver(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
}

describe.each(await systemDatabases())('points on $kind', (database) => {
  let h: Harness;
  const inbox = new Inbox();
  beforeAll(async () => {
    h = await startHarness(database, {}, { mailTransport: inbox, pointsRenewalIntervalMs: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses anonymous callers (403) and empty balances (402), and charges nothing for them', async () => {
    const op = await pricedOperation(h, 5);
    const anonymous = await call(h, op.path);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toEqual({
      success: false,
      title: 'Forbidden',
      message: 'This action costs points because of this you must be authenticated in order to call this action',
    });

    const dev = await developer(h);
    expect(await pointsOf(h, dev.id)).toBeNull();
    const none = await call(h, op.path, bearer(dev.token));
    expect(none.status).toBe(402);
    expect(none.body).toEqual({
      success: false,
      title: 'Payment Required',
      message:
        'Your account has not enough points to call this action. Please purchase new points in order to execute this action',
    });
    await setPoints(h, dev.id, 4);
    expect((await call(h, op.path, bearer(dev.token))).status).toBe(402);
    expect(await pointsOf(h, dev.id)).toBe(4);
    await setPoints(h, dev.id, 5);
    expect(await call(h, op.path, bearer(dev.token))).toEqual({ status: 200, body: { ok: true } });
    expect(await pointsOf(h, dev.id)).toBe(0);

    // operations without costs need no points and no login
    const free = await pricedOperation(h, 0);
    expect((await call(h, free.path)).status).toBe(200);
  });

  it('debits exactly: of N parallel calls with balance B, B/cost succeed and the rest get 402', async () => {
    const costs = 3;
    const balance = 30;
    const calls = 40;
    const op = await pricedOperation(h, costs);
    const dev = await developer(h, { points: balance });
    const results = await Promise.all(
      Array.from({ length: calls }, () => call(h, op.path, bearer(dev.token)).then((r) => r.status)),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(balance / costs);
    expect(results.filter((s) => s === 402)).toHaveLength(calls - balance / costs);
    expect(await pointsOf(h, dev.id)).toBe(0);

    await h.portico.platform.points.flush();
    const usage = await h.portico.platform.db
      .selectFrom('plan_usages')
      .selectAll()
      .where('operation_id', '=', op.id)
      .execute();
    expect(usage).toHaveLength(balance / costs);
    expect(usage.every((u) => u.user_id === dev.id && u.points === costs && u.app_id === null)).toBe(true);
  });

  it("records the app a call came through, and the developer's balance on the account", async () => {
    const op = await pricedOperation(h, 2);
    const dev = await developer(h, { points: 7 });
    const app = (await h.admin
      .backend()
      .app()
      .create({ userId: dev.id, name: unique('app'), url: 'https://example.com', scopes: ['default'] })) as {
      id?: string;
      appKey?: string;
      appSecret?: string;
    };
    const token = (await fetch(`${h.baseUrl}/authorization/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.appKey}:${app.appSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json())) as { access_token: string };
    expect((await call(h, op.path, bearer(token.access_token))).status).toBe(200);
    await h.portico.platform.points.flush();
    const usage = await h.portico.platform.db
      .selectFrom('plan_usages')
      .selectAll()
      .where('operation_id', '=', op.id)
      .execute();
    expect(usage).toEqual([expect.objectContaining({ user_id: dev.id, app_id: Number(app.id), points: 2 })]);
    expect((await bearerClient(h, dev.token).consumer().account().get()).points).toBe(5);
  });

  it('mails the developer once the balance falls below the points threshold', async () => {
    await h.admin.backend().config().update('~points_threshold', { value: 10 });
    try {
      const op = await pricedOperation(h, 3);
      const dev = await developer(h, { points: 15 });
      expect((await call(h, op.path, bearer(dev.token))).status).toBe(200);
      await h.portico.platform.mailer.idle();
      expect(inbox.messages.filter((m) => m.to === `${dev.name}@example.com`)).toHaveLength(0);
      expect((await call(h, op.path, bearer(dev.token))).status).toBe(200);
      await h.portico.platform.mailer.idle();
      const mails = inbox.messages.filter((m) => m.to === `${dev.name}@example.com`);
      expect(mails).toHaveLength(1);
      expect(mails[0]?.text).toContain('only 9 points left');
    } finally {
      await h.admin.backend().config().update('~points_threshold', { value: 0 });
    }
  });

  it('renews the points of a free subscription plan every month, once per period whoever runs it', async () => {
    const plan = await h.admin
      .backend()
      .plan()
      .create({ name: unique('Free '), price: 0, points: 100, period: 1 });
    const planId = Number(plan.id);
    const dev = await developer(h, { planId });
    const start = Date.UTC(2030, 0, 31, 12);
    const points = h.portico.platform.points;

    // several nodes sweeping at the same moment credit the period once
    await Promise.all([points.renewFreePlans(start), points.renewFreePlans(start), points.renewFreePlans(start)]);
    expect(await pointsOf(h, dev.id)).toBe(100);
    await points.renewFreePlans(start + 10 * day);
    expect(await pointsOf(h, dev.id)).toBe(100);

    // the next period starts a calendar month later (the 31st becomes the last day of February)
    await points.renewFreePlans(Date.UTC(2030, 1, 28, 12) + 1);
    expect(await pointsOf(h, dev.id)).toBe(200);
    // a platform that was down for months credits the current period, not the missed ones
    await points.renewFreePlans(Date.UTC(2030, 5, 1));
    expect(await pointsOf(h, dev.id)).toBe(300);

    const transactions = await bearerClient(h, dev.token).consumer().transaction().getAll();
    expect(transactions.totalResults).toBe(3);
    expect(transactions.entry?.map((t) => [t.points, t.amount, t.periodStart])).toEqual([
      [100, 0, '2030-05-28T12:00:00.000Z'],
      [100, 0, '2030-02-28T12:00:00.000Z'],
      [100, 0, '2030-01-31T12:00:00.000Z'],
    ]);
    const first = await bearerClient(h, dev.token).consumer().transaction().get(String(transactions.entry?.[2]?.id));
    expect(first).toMatchObject({
      planId,
      plan: { id: planId, price: 0, points: 100, period: 1 },
      periodEnd: '2030-02-28T12:00:00.000Z',
    });
  });

  it('grants a free one-time plan once, and lets developers pick free plans without paying', async () => {
    const once = await h.admin
      .backend()
      .plan()
      .create({ name: unique('Starter '), price: 0, points: 40, period: 0 });
    const dev = await developer(h);
    const client = bearerClient(h, dev.token);
    const checkout = await client
      .consumer()
      .payment()
      .checkout('stripe', { planId: Number(once.id), returnUrl: 'https://developer.example.com/done' });
    expect(checkout.approvalUrl).toBe('https://developer.example.com/done');
    expect(await pointsOf(h, dev.id)).toBe(40);
    await h.portico.platform.points.renewFreePlans(Date.now() + 400 * day);
    expect(await pointsOf(h, dev.id)).toBe(40);
    expect((await client.consumer().account().get()).planId).toBe(Number(once.id));
  });
});
