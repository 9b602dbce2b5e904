import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/events/signing.js';
import { sharedDatabase, systemDatabases, type TestDatabase } from './support/databases.js';
import {
  allowPrivateWebhooks,
  createEvent,
  dispatchingOperation,
  eventually,
  fastEvents,
} from './support/events-helpers.js';
import { hookId, type Receiver, startReceiver } from './support/events-receiver.js';
import { type Harness, startHarness } from './support/harness.js';

/** A SQLite file both nodes open, as `serve --workers` does on one machine. */
function sqliteFile(): TestDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-webhook-nodes-'));
  return {
    kind: 'sqlite',
    async create() {
      return {
        url: `sqlite:${path.join(dir, 'portico.db')}`,
        drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

const databases = [sqliteFile(), ...(await systemDatabases()).filter((d) => d.kind !== 'sqlite')];
const events = 40;

describe.each(databases)('two nodes share the outbox and deliver each event once ($kind)', (database) => {
  let a: Harness;
  let b: Harness;
  let receiver: Receiver;
  let secret: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    // a short answer delay keeps deliveries in flight while the other node polls
    receiver.answer = () => ({ status: 200, delayMs: 15 });
    const shared = sharedDatabase(database);
    // few deliveries per node at once, so both nodes keep claiming from the same queue; a lease far longer
    // than any delivery here, so a duplicate can only come from two nodes claiming one row (on a loaded CI
    // machine the short test lease could expire mid-delivery, which at-least-once allows)
    const options = { events: { ...fastEvents, leaseMs: 60_000, pollIntervalMs: 20, concurrency: 3 } };
    a = await startHarness(shared, {}, options);
    b = await startHarness(shared, {}, options);
    await allowPrivateWebhooks(a.admin);
    const eventId = await createEvent(a.admin, 'order.created');
    await dispatchingOperation(a.admin, 'order-dispatch', '/orders', 'order.created');
    const created = (await a.admin
      .backend()
      .webhook()
      .create({ eventId, name: 'shop', endpoint: `${receiver.url}/orders` })) as unknown as { secret: string };
    secret = created.secret;
    // node b serves the new operation too (the configuration reaches it within a second)
    await eventually(async () => (await b.fetch('/orders', { method: 'POST', body: '{}' })).status === 202);
    await eventually(async () => receiver.received.length === 1);
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await receiver?.close();
  });

  it('never sends the same delivery from both nodes', async () => {
    const answers = await Promise.all(
      Array.from({ length: events }, (_, i) =>
        (i % 2 === 0 ? a : b).fetch('/orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ order: i }),
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(events).fill(202));
    await receiver.waitFor((all) => all.filter((r) => r.status === 200).length >= events, 15_000);
    // give a duplicate the chance to show up
    await new Promise((resolve) => setTimeout(resolve, 300));

    const ids = receiver.received.map(hookId);
    expect(ids).toHaveLength(events);
    expect(new Set(ids).size).toBe(events);
    expect(receiver.received.map((r) => JSON.parse(r.body).order).sort((x, y) => x - y)).toEqual(
      Array.from({ length: events }, (_, i) => i),
    );
    for (const hook of receiver.received) expect(verifyWebhook(secret, hook.headers, hook.body)).toBe(true);

    const deliveries = await a.portico.platform.db
      .selectFrom('event_deliveries')
      .select(['status', 'attempts'])
      .where('webhook_id', 'is not', null)
      .execute();
    expect(deliveries).toHaveLength(events + 1);
    expect(deliveries.every((d) => d.status === 2 && d.attempts === 1)).toBe(true);
  });
});
