import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/events/signing.js';
import { defineActionType, response } from '../src/plugins/action.js';
import { systemDatabases } from './support/databases.js';
import {
  allowPrivateWebhooks,
  createEvent,
  developer,
  dispatchingOperation,
  eventually,
  fastEvents,
} from './support/events-helpers.js';
import { hookId, type Receiver, startReceiver } from './support/events-receiver.js';
import { type Harness, startHarness } from './support/harness.js';

// MariaDB's claim and fan-out SQL is covered by webhook-nodes.test.ts; this story runs where it differs least
const databases = (await systemDatabases()).filter((d) => d.kind !== 'mysql');

interface CreatedWebhook {
  id: string;
  secret: string;
}

interface ResponseView {
  status: number;
  code?: number;
  attempts: number;
  body?: string;
  error?: string;
  messageId: string;
  history: { attempt: number; code?: number; error?: string }[];
}

/** What triggers ran with: the payload and the user the event came from. */
const triggerRuns: { body: unknown; user: string }[] = [];
let flakyTriggerFailures = 1;

const testActions = [
  // a custom action: dispatches to one user's webhooks, without awaiting (the platform awaits it)
  defineActionType<Record<string, never>>({
    class: 'Test.DispatchForUser',
    name: 'Test-Dispatch-For-User',
    config: { type: 'object' },
    create: () => (request, context) => {
      const body = request.body as { userId: number; parcel: string };
      void context.dispatch('parcel.shipped', body, { userId: body.userId });
      return response(202, { queued: body.parcel });
    },
  }),
  defineActionType<Record<string, never>>({
    class: 'Test.RecordTrigger',
    name: 'Test-Record-Trigger',
    config: { type: 'object' },
    create: () => (request, context) => {
      triggerRuns.push({ body: request.body, user: context.user.name });
      return { ok: true };
    },
  }),
  defineActionType<Record<string, never>>({
    class: 'Test.FlakyTrigger',
    name: 'Test-Flaky-Trigger',
    config: { type: 'object' },
    create: () => () => {
      if (flakyTriggerFailures > 0) {
        flakyTriggerFailures -= 1;
        throw new Error('downstream is not ready');
      }
      return { ok: true };
    },
  }),
];

describe.each(databases)('webhooks receive dispatched events, reliably ($kind)', (database) => {
  let h: Harness;
  let receiver: Receiver;
  let alice: Awaited<ReturnType<typeof developer>>;
  let bob: Awaited<ReturnType<typeof developer>>;
  const secrets = new Map<string, string>();

  const subscribe = async (dev: typeof alice, event: string, path: string) => {
    const created = (await dev.client
      .consumer()
      .webhook()
      .create({ event, name: path.slice(1), endpoint: `${receiver.url}${path}` })) as unknown as CreatedWebhook;
    secrets.set(path, created.secret);
    return created;
  };
  const post = (path: string, body: unknown) =>
    h.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const responsesOf = async (dev: typeof alice, id: string) =>
    ((await dev.client.consumer().webhook().get(id)).responses ?? []) as unknown as ResponseView[];
  const at = (path: string) => receiver.received.filter((r) => r.path === path);

  beforeAll(async () => {
    triggerRuns.length = 0;
    flakyTriggerFailures = 1;
    receiver = await startReceiver();
    h = await startHarness(database, {}, { events: fastEvents, actionTypes: testActions });
    await allowPrivateWebhooks(h.admin);
    alice = await developer(h, 'alice');
    bob = await developer(h, 'bob');
    await createEvent(h.admin, 'order.created');
    await createEvent(h.admin, 'parcel.shipped');
    await dispatchingOperation(h.admin, 'order-dispatch', '/orders', 'order.created');
    await dispatchingOperation(h.admin, 'parcel-dispatch', '/parcels/broadcast', 'parcel.shipped');
    await h.admin.backend().action().create({ name: 'parcel-for-user', class: 'Test.DispatchForUser', config: {} });
    await h.admin.backend().operation().create({
      name: 'parcel.user',
      httpMethod: 'POST',
      httpPath: '/parcels',
      action: 'parcel-for-user',
      public: true,
    });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('stores the event before answering and POSTs it signed as Standard Webhooks do', async () => {
    const hook = await subscribe(alice, 'order.created', '/alice-orders');
    const res = await post('/orders', { order: 1, total: 12.5 });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ success: true, message: 'Event successfully dispatched' });
    const stored = await h.portico.platform.db
      .selectFrom('event_messages')
      .select(['uid', 'payload'])
      .where('name', '=', 'order.created')
      .execute();
    expect(stored.map((m) => JSON.parse(m.payload))).toEqual([{ order: 1, total: 12.5 }]);

    await receiver.waitFor(() => at('/alice-orders').some((r) => r.status === 200));
    const [request] = at('/alice-orders');
    expect(request?.body).toBe('{"order":1,"total":12.5}');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': stored[0]?.uid,
      'user-agent': expect.stringMatching(/^Portico-Webhooks\//),
      'x-portico-event': 'order.created',
    });
    expect(Math.abs(Number(request?.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(hook.secret, request?.headers ?? {}, request?.body ?? '')).toBe(true);
    expect(verifyWebhook(secrets.get('/alice-orders') ?? '', request?.headers ?? {}, `${request?.body} `)).toBe(false);

    const responses = await eventually(async () => {
      const list = await responsesOf(alice, hook.id);
      return list[0]?.status === 2 ? list : undefined;
    });
    expect(responses).toEqual([
      expect.objectContaining({ status: 2, code: 200, attempts: 1, body: 'answered 200', messageId: stored[0]?.uid }),
    ]);
    // the admin sees the same
    const admin = await h.admin.backend().webhook().get(hook.id);
    expect(admin.responses?.[0]).toMatchObject({ status: 2, code: 200, attempts: 1 });
  });

  it('retries 5xx answers and timeouts with backoff under the same webhook-id, each attempt visible', async () => {
    const hook = await subscribe(alice, 'order.created', '/alice-flaky');
    let calls = 0;
    receiver.answer = (r) => {
      if (r.path !== '/alice-flaky') return 200;
      calls += 1;
      if (calls === 1) return { status: 500, body: 'database is down' };
      if (calls === 2) return 'hang';
      return 204;
    };
    await post('/orders', { order: 2 });
    await receiver.waitFor(() => at('/alice-flaky').some((r) => r.status === 204), 10_000);
    const attempts = at('/alice-flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map(hookId)).size).toBe(1);
    // at least the shortest jittered delay (75 ms) between attempts; the hung one lasted the 1 s timeout
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(70);
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    for (const attempt of attempts) expect(verifyWebhook(hook.secret, attempt.headers, attempt.body)).toBe(true);

    const [delivery] = await eventually(async () => {
      const list = await responsesOf(alice, hook.id);
      return list[0]?.status === 2 ? list : undefined;
    });
    expect(delivery).toMatchObject({ status: 2, code: 204, attempts: 3 });
    expect(delivery?.history).toEqual([
      expect.objectContaining({ attempt: 1, code: 500, body: 'database is down' }),
      expect.objectContaining({ attempt: 2, error: 'Timeout: no answer within 1000 ms' }),
      expect.objectContaining({ attempt: 3, code: 204 }),
    ]);
    receiver.answer = () => 200;
  });

  it('gives up after the last attempt and says so', async () => {
    const hook = await subscribe(bob, 'order.created', '/bob-down');
    receiver.answer = (r) => (r.path === '/bob-down' ? { status: 503, body: 'maintenance' } : 200);
    await post('/orders', { order: 3 });
    const [delivery] = await eventually(async () => {
      const list = await responsesOf(bob, hook.id);
      return list[0]?.status === 3 ? list : undefined;
    });
    expect(delivery).toMatchObject({ status: 3, code: 503, attempts: 4, body: 'maintenance' });
    expect(delivery?.history.map((a) => a.code)).toEqual([503, 503, 503, 503]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at('/bob-down')).toHaveLength(4);
    receiver.answer = () => 200;
    await bob.client.consumer().webhook().delete(hook.id);
  });

  it('takes 410 Gone as done and deactivates the webhook until its endpoint is set again', async () => {
    const hook = await subscribe(bob, 'order.created', '/bob-gone');
    receiver.answer = (r) => (r.path === '/bob-gone' ? 410 : 200);
    await post('/orders', { order: 4 });
    await eventually(async () => (await bob.client.consumer().webhook().get(hook.id)).status === 2);
    const [delivery] = await responsesOf(bob, hook.id);
    expect(delivery).toMatchObject({ status: 2, code: 410, attempts: 1 });

    await post('/orders', { order: 5 });
    await receiver.waitFor((all) => all.some((r) => r.body === '{"order":5}' && r.path === '/alice-orders'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(at('/bob-gone')).toHaveLength(1);

    receiver.answer = () => 200;
    await bob.client
      .consumer()
      .webhook()
      .update(hook.id, { endpoint: `${receiver.url}/bob-gone` });
    expect((await bob.client.consumer().webhook().get(hook.id)).status).toBe(1);
    await post('/orders', { order: 6 });
    await receiver.waitFor(() => at('/bob-gone').some((r) => r.body === '{"order":6}'));
    await bob.client.consumer().webhook().delete(hook.id);
  });

  it('delivers an event that carries a user id only to that user’s webhooks', async () => {
    await subscribe(alice, 'parcel.shipped', '/alice-parcels');
    await subscribe(bob, 'parcel.shipped', '/bob-parcels');
    const res = await post('/parcels', { userId: bob.id, parcel: 'P-1' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: 'P-1' });
    // the custom action did not await its dispatch: the platform did, before answering
    const stored = await h.portico.platform.db
      .selectFrom('event_messages')
      .select('user_id')
      .where('payload', 'like', '%P-1%')
      .executeTakeFirst();
    expect(stored?.user_id).toBe(bob.id);

    await post('/parcels/broadcast', { parcel: 'P-2' });
    await receiver.waitFor(() => at('/alice-parcels').some((r) => r.body.includes('P-2')));
    await receiver.waitFor(() => at('/bob-parcels').some((r) => r.body.includes('P-2')));
    await receiver.waitFor(() => at('/bob-parcels').some((r) => r.body.includes('P-1')));
    expect(at('/alice-parcels').map((r) => JSON.parse(r.body).parcel)).toEqual(['P-2']);
    expect(
      at('/bob-parcels')
        .map((r) => JSON.parse(r.body).parcel)
        .sort(),
    ).toEqual(['P-1', 'P-2']);
  });

  it('runs triggers with the event payload, retrying an action that fails', async () => {
    await createEvent(h.admin, 'invoice.paid');
    await dispatchingOperation(h.admin, 'invoice-dispatch', '/invoices', 'invoice.paid');
    await h.admin.backend().action().create({ name: 'record-invoice', class: 'Test.RecordTrigger', config: {} });
    await h.admin.backend().action().create({ name: 'flaky-invoice', class: 'Test.FlakyTrigger', config: {} });
    await h.admin.backend().trigger().create({ name: 'record-paid', event: 'invoice.paid', action: 'record-invoice' });
    await h.admin.backend().trigger().create({ name: 'flaky-paid', event: 'invoice.paid', action: 'flaky-invoice' });

    expect((await post('/invoices', { invoice: 'INV-9', amount: 99 })).status).toBe(202);
    await eventually(async () => triggerRuns.length > 0);
    expect(triggerRuns).toEqual([{ body: { invoice: 'INV-9', amount: 99 }, user: 'anonymous' }]);

    const flaky = await eventually(async () => {
      const trigger = (await h.admin.backend().trigger().get('~flaky-paid')) as unknown as {
        runs: { status: number; attempts: number; error?: string }[];
      };
      return trigger.runs[0]?.status === 2 ? trigger : undefined;
    });
    expect(flaky.runs[0]).toMatchObject({ status: 2, attempts: 2 });
    expect(flaky.runs[0]).not.toHaveProperty('error');
  });

  it('runs the platform’s own durable jobs (e.g. mails) from the outbox, encrypted at rest, retried until done', async () => {
    const done: unknown[] = [];
    let failures = 1;
    h.portico.platform.events.registerJob('test.mail', (payload) => {
      if (failures-- > 0) throw new Error('smtp server busy');
      done.push(payload);
    });
    const mail = { to: 'dev@example.com', subject: 'Reset', text: 'token-7f3a9c' };
    const id = await h.portico.platform.events.enqueueJob('test.mail', mail);
    const stored = await h.portico.platform.db
      .selectFrom('event_messages')
      .select('payload')
      .where('uid', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.payload).not.toContain('token-7f3a9c');
    await eventually(async () => done.length === 1);
    expect(done).toEqual([mail]);
    const delivery = await h.portico.platform.db
      .selectFrom('event_deliveries')
      .innerJoin('event_messages', 'event_messages.id', 'event_deliveries.message_id')
      .select(['event_deliveries.status', 'event_deliveries.attempts'])
      .where('event_messages.uid', '=', id)
      .executeTakeFirstOrThrow();
    expect(delivery).toEqual({ status: 2, attempts: 2 });
  });

  it('checks the address again at delivery time: a target that became private is refused', async () => {
    const hook = await subscribe(alice, 'order.created', '/alice-later');
    await allowPrivateWebhooks(h.admin, false);
    try {
      await post('/orders', { order: 7 });
      const [delivery] = await eventually(async () => {
        const list = await responsesOf(alice, hook.id);
        return list[0]?.status === 3 ? list : undefined;
      });
      expect(delivery?.error).toBe('Refused: 127.0.0.1 is a private, loopback, link-local or reserved address');
      expect(delivery?.attempts).toBe(4);
      expect(at('/alice-later')).toHaveLength(0);
    } finally {
      await allowPrivateWebhooks(h.admin, true);
    }
  });
});
