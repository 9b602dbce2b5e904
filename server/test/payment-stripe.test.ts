import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { call, type Developer, developer, pointsOf, sdkFailure, unique } from './support/plan-helpers.js';
import { type StripeStandIn, startStripeStandIn, stripeEvent, stripeSignature } from './support/stripe-stand-in.js';

const apiKey = 'sk_test_portico_0123456789';
const webhookSecret = 'whsec_test_portico_secret';
const returnUrl = 'https://developer.example.com/account';

describe.each(await systemDatabases())('Stripe payments on $kind', (database) => {
  let h: Harness;
  let stripe: StripeStandIn;
  let oneTime: number;
  let subscription: number;

  async function configure(name: string, value: string) {
    await h.admin.backend().config().update(`~${name}`, { value });
  }

  async function webhook(payload: string, signature: string | null = stripeSignature(webhookSecret, payload)) {
    return call(h, '/system/payment/stripe/webhook', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'stripe-signature': signature }),
      },
      body: payload,
    });
  }

  async function transactionsOf(userId: number) {
    return h.portico.platform.db.selectFrom('transactions').selectAll().where('user_id', '=', userId).execute();
  }

  beforeAll(async () => {
    stripe = await startStripeStandIn(apiKey);
    h = await startHarness(database, {}, { pointsRenewalIntervalMs: 0 });
    await configure('payment_stripe_secret', apiKey);
    await configure('payment_stripe_webhook_secret', webhookSecret);
    await configure('payment_stripe_api_url', stripe.url);
    await configure('payment_currency', 'EUR');
    oneTime = Number(
      (
        await h.admin
          .backend()
          .plan()
          .create({ name: unique('Pack '), price: 9.99, points: 500 })
      ).id,
    );
    subscription = Number(
      (
        await h.admin
          .backend()
          .plan()
          .create({ name: unique('Monthly '), price: 19, points: 1000, period: 1 })
      ).id,
    );
  });
  afterAll(async () => {
    await h?.close();
    await stripe?.close();
  });

  it('starts a checkout at Stripe for a one-time plan and returns its URL', async () => {
    const dev = await developer(h);
    const client = bearerClient(h, dev.token);
    const before = stripe.calls.length;
    const checkout = await client.consumer().payment().checkout('stripe', { planId: oneTime, returnUrl });
    expect(checkout.approvalUrl).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_\d+$/);

    const [customer, session] = stripe.calls.slice(before);
    expect(customer?.path).toBe('/v1/customers');
    expect(customer?.form).toMatchObject({ email: `${dev.name}@example.com`, 'metadata[user_id]': String(dev.id) });
    expect(customer?.headers['idempotency-key']).toBe(`portico-customer-${dev.id}`);
    const customerId = (
      await h.portico.platform.db
        .selectFrom('users')
        .select('external_id')
        .where('id', '=', dev.id)
        .executeTakeFirstOrThrow()
    ).external_id;
    expect(customerId).toMatch(/^cus_test\d+$/);
    expect(session?.path).toBe('/v1/checkout/sessions');
    expect(session?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(session?.form).toMatchObject({
      mode: 'payment',
      customer: customerId,
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '999',
      'line_items[0][quantity]': '1',
      'metadata[user_id]': String(dev.id),
      'metadata[product_id]': String(oneTime),
      'metadata[domain]': h.baseUrl,
      success_url: `${returnUrl}?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: returnUrl,
    });

    // the developer keeps one Stripe customer
    await client.consumer().payment().checkout('stripe', { planId: oneTime, returnUrl });
    expect(stripe.calls.slice(before).filter((c) => c.path === '/v1/customers')).toHaveLength(1);
  });

  it('credits a paid checkout once, however often the webhook arrives', async () => {
    const dev = await developer(h);
    await bearerClient(h, dev.token).consumer().payment().checkout('stripe', { planId: oneTime, returnUrl });
    const sessionId = `cs_test_${unique('paid')}`;
    const payload = stripeEvent('checkout.session.completed', {
      id: sessionId,
      object: 'checkout.session',
      mode: 'payment',
      payment_status: 'paid',
      customer: 'cus_paid_1',
      amount_total: 999,
      metadata: { user_id: String(dev.id), product_id: String(oneTime), domain: h.baseUrl },
    });
    expect(await webhook(payload)).toEqual({ status: 200, body: { success: true, message: 'Execution successful' } });
    expect(await pointsOf(h, dev.id)).toBe(500);

    // replays: the same delivery again, and several at once
    expect((await webhook(payload)).status).toBe(200);
    const parallel = await Promise.all(Array.from({ length: 6 }, () => webhook(payload)));
    expect(parallel.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // the same checkout session in another event (Stripe may resend under a new id) is the same payment
    expect((await webhook(stripeEvent('checkout.session.completed', JSON.parse(payload).data.object))).status).toBe(
      200,
    );
    expect(await pointsOf(h, dev.id)).toBe(500);
    const transactions = await transactionsOf(dev.id);
    expect(transactions).toEqual([
      expect.objectContaining({
        plan_id: oneTime,
        provider: 'stripe',
        transaction_id: sessionId,
        amount: 999,
        points: 500,
      }),
    ]);

    const mine = await bearerClient(h, dev.token).consumer().transaction().getAll();
    expect(mine.entry?.map((t) => [t.transactionId, t.amount, t.points])).toEqual([[sessionId, 9.99, 500]]);
    const byId = await bearerClient(h, dev.token).consumer().transaction().get(`~${sessionId}`);
    expect(byId.plan).toMatchObject({ id: oneTime, price: 9.99, points: 500, period: 0 });
    const backend = await h.admin
      .backend()
      .transaction()
      .getAll(0, 16, undefined, undefined, undefined, oneTime, dev.id);
    expect(backend.totalResults).toBe(1);
    expect(await h.admin.backend().transaction().get(String(backend.entry?.[0]?.id))).toMatchObject({
      userId: dev.id,
      planId: oneTime,
      transactionId: sessionId,
      amount: 9.99,
      points: 500,
    });
  });

  it('refuses webhooks that Stripe did not sign, and changes nothing', async () => {
    const dev = await developer(h);
    const payload = stripeEvent('checkout.session.completed', {
      id: `cs_test_${unique('forged')}`,
      mode: 'payment',
      payment_status: 'paid',
      customer: 'cus_forged',
      amount_total: 999,
      metadata: { user_id: String(dev.id), product_id: String(oneTime) },
    });
    const eventsBefore = await h.portico.platform.db
      .selectFrom('payment_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: [string | null, string][] = [
      [stripeSignature('whsec_someone_else', payload), 'Invalid webhook signature: No signature matches the payload'],
      [null, 'Invalid webhook signature: Missing Stripe-Signature header'],
      [
        stripeSignature(webhookSecret, payload, Math.floor(Date.now() / 1000) - 3600),
        'Invalid webhook signature: The signature timestamp is outside the tolerance',
      ],
      ['t=abc,v1=zz', 'Invalid webhook signature: Stripe-Signature has no timestamp'],
    ];
    for (const [signature, message] of cases) {
      expect(await webhook(payload, signature)).toEqual({
        status: 400,
        body: { success: false, title: 'Bad Request', message },
      });
    }
    // a genuine signature over other bytes
    const tampered = payload.replace('"amount_total":999', '"amount_total":1');
    expect((await webhook(tampered, stripeSignature(webhookSecret, payload))).status).toBe(400);
    expect(await pointsOf(h, dev.id)).toBeNull();
    expect(await transactionsOf(dev.id)).toEqual([]);
    const eventsAfter = await h.portico.platform.db
      .selectFrom('payment_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(eventsAfter.n)).toBe(Number(eventsBefore.n));
    expect((await call(h, '/system/payment/paypal/webhook', { method: 'POST', body: '{}' })).body.message).toBe(
      'Provider is not available',
    );
  });

  it('subscribes: each paid invoice credits a period once, whatever the order of the events', async () => {
    const dev: Developer = await developer(h);
    const client = bearerClient(h, dev.token);
    const before = stripe.calls.length;
    await client
      .consumer()
      .payment()
      .checkout('stripe', { planId: subscription, returnUrl: `${returnUrl}?tab=plans` });
    const session = stripe.calls.slice(before).find((c) => c.path === '/v1/checkout/sessions');
    expect(session?.form).toMatchObject({
      mode: 'subscription',
      'line_items[0][price_data][unit_amount]': '1900',
      'line_items[0][price_data][recurring][interval]': 'month',
      'subscription_data[metadata][user_id]': String(dev.id),
      'subscription_data[metadata][product_id]': String(subscription),
      success_url: `${returnUrl}?tab=plans&session_id={CHECKOUT_SESSION_ID}`,
    });
    const customer = String(session?.form.customer);
    const metadata = { user_id: String(dev.id), product_id: String(subscription), domain: h.baseUrl };
    const invoice = (id: string, start: number) => ({
      id,
      object: 'invoice',
      customer,
      amount_paid: 1900,
      subscription_details: { metadata },
      lines: { data: [{ period: { start, end: start + 30 * 86_400 } }] },
    });
    const first = invoice(`in_${unique('a')}`, 1_900_000_000);
    // the invoice may arrive before the checkout completes
    expect((await webhook(stripeEvent('invoice.paid', first))).status).toBe(200);
    expect((await webhook(stripeEvent('invoice.payment_succeeded', first))).status).toBe(200);
    expect(
      (
        await webhook(
          stripeEvent('checkout.session.completed', {
            id: `cs_test_${unique('sub')}`,
            mode: 'subscription',
            payment_status: 'paid',
            customer,
            amount_total: 1900,
            metadata,
          }),
        )
      ).status,
    ).toBe(200);
    expect(await pointsOf(h, dev.id)).toBe(1000);
    expect((await client.consumer().account().get()).planId).toBe(subscription);

    await webhook(stripeEvent('invoice.paid', invoice(`in_${unique('b')}`, 1_900_000_000 + 30 * 86_400)));
    expect(await pointsOf(h, dev.id)).toBe(2000);
    const periods = (await transactionsOf(dev.id)).map((t) => [t.amount, t.points, t.period_start, t.period_end]);
    expect(periods).toEqual([
      [1900, 1000, 1_900_000_000_000, 1_902_592_000_000],
      [1900, 1000, 1_902_592_000_000, 1_905_184_000_000],
    ]);

    // the billing portal, for the customer the checkout created
    const portalBefore = stripe.calls.length;
    const portal = await client.consumer().payment().portal('stripe', { returnUrl });
    expect(portal.redirectUrl).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_\d+$/);
    expect(stripe.calls[portalBefore]?.form).toEqual({ customer, return_url: returnUrl });

    // a failed payment ends the subscription: the plan (and its scopes) go, the points stay
    await webhook(stripeEvent('invoice.payment_failed', { id: `in_${unique('c')}`, customer }));
    expect((await client.consumer().account().get()).planId).toBeUndefined();
    expect(await pointsOf(h, dev.id)).toBe(2000);
  });

  it('answers bad checkouts with 400 and an unreachable or misconfigured Stripe with 502/503', async () => {
    const dev = await developer(h);
    const payment = bearerClient(h, dev.token).consumer().payment();
    expect((await sdkFailure(payment.checkout('paypal', { planId: oneTime, returnUrl }))).message).toBe(
      'Provider is not available',
    );
    expect((await sdkFailure(payment.checkout('stripe', { returnUrl }))).message).toBe('No plan id provided');
    expect((await sdkFailure(payment.checkout('stripe', { planId: 999_999, returnUrl }))).message).toBe(
      'Invalid plan id',
    );
    expect(
      (await sdkFailure(payment.checkout('stripe', { planId: oneTime, returnUrl: 'javascript:alert(1)' }))).message,
    ).toBe('Invalid return url');
    expect((await sdkFailure(payment.portal('stripe', { returnUrl }))).message).toBe(
      'There is no billing account for you yet: purchase a plan first',
    );
    const anonymous = await call(h, '/consumer/payment/stripe/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ planId: oneTime, returnUrl }),
    });
    expect(anonymous.status).toBe(401);

    const checkout = (token: string) =>
      call(h, '/consumer/payment/stripe/checkout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ planId: oneTime, returnUrl }),
      });
    await configure('payment_stripe_api_url', `http://127.0.0.1:${await freePort()}`);
    try {
      expect(await checkout(dev.token)).toEqual({
        status: 502,
        body: { success: false, title: 'Bad Gateway', message: 'Stripe could not be reached' },
      });
    } finally {
      await configure('payment_stripe_api_url', stripe.url);
    }
    await configure('payment_stripe_api_url', 'not a url');
    try {
      expect((await checkout(dev.token)).status).toBe(503);
    } finally {
      await configure('payment_stripe_api_url', stripe.url);
    }
    await configure('payment_stripe_secret', 'sk_test_wrong_key_abcdef');
    try {
      const refused = await checkout(dev.token);
      expect(refused.status).toBe(502);
      expect(refused.body.message).toBe('Stripe refused the request: Invalid API Key provided: sk_***');
    } finally {
      await configure('payment_stripe_secret', apiKey);
    }
    await configure('payment_stripe_secret', '');
    try {
      expect((await checkout(dev.token)).body).toMatchObject({
        message: 'The payment provider stripe is not configured',
      });
      expect((await checkout(dev.token)).status).toBe(503);
    } finally {
      await configure('payment_stripe_secret', apiKey);
    }
    expect(await transactionsOf(dev.id)).toEqual([]);
    // the server keeps serving
    expect((await payment.checkout('stripe', { planId: oneTime, returnUrl })).approvalUrl).toContain('cs_test_');
  });
});
