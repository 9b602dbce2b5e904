import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { allowPrivateWebhooks, createEvent, developer, setConfig } from './support/events-helpers.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

interface CreatedWebhook {
  success: boolean;
  message: string;
  id: string;
  secret: string;
}

describe.each(databases)('events, triggers, cronjobs and webhooks through the fusio-sdk ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database, {}, { events: { worker: false, scheduler: false } });
    await h.admin
      .backend()
      .action()
      .create({ name: 'noop', class: 'Fusio.Adapter.Util.Action.UtilStaticResponse', config: { response: '{}' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates, lists, reads, renames and deletes events', async () => {
    const events = h.admin.backend().event();
    const created = await events.create({ name: 'order.created', description: 'An order came in' });
    expect(created).toMatchObject({ success: true, message: 'Event successfully created' });
    const id = String(created.id);
    expect(await events.get(id)).toMatchObject({
      id: Number(id),
      name: 'order.created',
      description: 'An order came in',
    });
    expect(await events.get('~order.created')).toMatchObject({ id: Number(id) });

    expect(await sdkError(events.create({ name: 'order.created' }))).toMatchObject({ message: 'Event already exists' });
    expect(await sdkError(events.create({ name: 'x' }))).toMatchObject({
      message: expect.stringMatching(/Invalid event name/),
    });
    expect(await sdkError(events.create({ name: 'order.schema', schema: 'NoSuchSchema' }))).toMatchObject({
      message: 'Schema "NoSuchSchema" does not exist',
    });

    await h.admin.backend().trigger().create({ name: 'on-order', event: 'order.created', action: 'noop' });
    await events.update(id, { name: 'order.placed', metadata: { team: 'shop' } });
    expect(await events.get(id)).toMatchObject({ name: 'order.placed', metadata: { team: 'shop' } });
    // the trigger follows the renamed event
    expect(await h.admin.backend().trigger().get('~on-order')).toMatchObject({ event: 'order.placed' });

    const list = await events.getAll(0, 16, 'order');
    expect(list.entry?.map((e) => e.name)).toContain('order.placed');
    expect(list.totalResults).toBe(list.entry?.length);

    await h.admin.backend().trigger().delete('~on-order');
    expect(await events.delete(id)).toMatchObject({ success: true, message: 'Event successfully deleted' });
    expect(await sdkError(events.get(id))).toMatchObject({ message: 'Could not find event' });
  });

  it('creates triggers only for existing events and actions', async () => {
    await createEvent(h.admin, 'invoice.paid');
    const triggers = h.admin.backend().trigger();
    expect(await sdkError(triggers.create({ name: 'bad-event', event: 'nope', action: 'noop' }))).toMatchObject({
      message: expect.stringMatching(/Event "nope" does not exist/),
    });
    expect(
      await sdkError(triggers.create({ name: 'bad-action', event: 'invoice.paid', action: 'nope' })),
    ).toMatchObject({
      message: expect.stringMatching(/Action "nope" does not exist/),
    });
    const created = await triggers.create({ name: 'mail-receipt', event: 'invoice.paid', action: 'action://noop' });
    const got = await triggers.get(String(created.id));
    expect(got).toMatchObject({ name: 'mail-receipt', event: 'invoice.paid', action: 'action://noop', runs: [] });
    await triggers.update(String(created.id), { action: 'noop' });
    expect((await triggers.getAll()).entry?.find((t) => t.name === 'mail-receipt')).toMatchObject({ action: 'noop' });
    await triggers.delete(String(created.id));
    expect(await sdkError(triggers.get(String(created.id)))).toMatchObject({ message: 'Could not find trigger' });
  });

  it('validates cron expressions and actions of cronjobs', async () => {
    const cronjobs = h.admin.backend().cronjob();
    expect(await sdkError(cronjobs.create({ name: 'bad-cron', cron: '61 * * * *', action: 'noop' }))).toMatchObject({
      message: expect.stringMatching(/^Invalid cron expression: .*minute/),
    });
    expect(await sdkError(cronjobs.create({ name: 'short', cron: '* *', action: 'noop' }))).toMatchObject({
      message: expect.stringMatching(/^Invalid cron expression/),
    });
    expect(await sdkError(cronjobs.create({ name: 'no-action', cron: '* * * * *', action: 'nope' }))).toMatchObject({
      message: expect.stringMatching(/Action "nope" does not exist/),
    });
    const created = await cronjobs.create({ name: 'nightly-report', cron: '0 3 * * *', action: 'noop' });
    expect(created).toMatchObject({ success: true, message: 'Cronjob successfully created' });
    expect(await cronjobs.get('~nightly-report')).toMatchObject({ cron: '0 3 * * *', action: 'noop', errors: [] });
    await cronjobs.update('~nightly-report', { cron: '*/15 * * * * *' });
    expect(await cronjobs.get(String(created.id))).toMatchObject({ cron: '*/15 * * * * *' });
    expect((await cronjobs.getAll(0, 16, 'nightly')).totalResults).toBe(1);
    await cronjobs.delete(String(created.id));
    expect(await sdkError(cronjobs.get(String(created.id)))).toMatchObject({ message: 'Could not find cronjob' });
  });

  it('refuses webhooks to private, loopback and metadata addresses unless an admin allows them', async () => {
    const eventId = await createEvent(h.admin, 'user.signed-up');
    const webhooks = h.admin.backend().webhook();
    for (const endpoint of [
      'http://127.0.0.1:9999/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://192.168.0.10/hook',
      'http://localhost:8080/hook',
    ]) {
      expect(await sdkError(webhooks.create({ eventId, name: 'inside', endpoint }))).toMatchObject({
        success: false,
        message: expect.stringMatching(/must not point to a private, loopback, link-local or metadata address/),
      });
    }
    expect(await sdkError(webhooks.create({ eventId, name: 'ftp', endpoint: 'ftp://93.184.215.14/' }))).toMatchObject({
      message: 'Webhook endpoint must be an http or https url',
    });
    expect((await webhooks.getAll(0, 16, 'inside')).totalResults).toBe(0);

    const outside = (await webhooks.create({ eventId, name: 'outside', endpoint: 'https://93.184.215.14/hooks' })) as
      | CreatedWebhook
      | undefined;
    expect(outside?.secret).toMatch(/^whsec_/);

    await allowPrivateWebhooks(h.admin, true);
    const inside = (await webhooks.create({ eventId, name: 'inside', endpoint: 'http://127.0.0.1:9999/hook' })) as
      | CreatedWebhook
      | undefined;
    expect(inside?.success).toBe(true);
    await allowPrivateWebhooks(h.admin, false);
    // an update is checked again
    expect(await sdkError(webhooks.update(String(inside?.id), { endpoint: 'http://10.0.0.1/' }))).toMatchObject({
      message: expect.stringMatching(/private/),
    });
  });

  it('lets the admin manage any webhook; the secret is shown once and never stored in the clear', async () => {
    const eventId = await createEvent(h.admin, 'stock.low');
    await allowPrivateWebhooks(h.admin, true);
    const webhooks = h.admin.backend().webhook();
    const created = (await webhooks.create({
      eventId,
      name: 'warehouse',
      endpoint: 'http://127.0.0.1:9999/stock',
    })) as unknown as CreatedWebhook;
    expect(created).toMatchObject({ success: true, message: 'Webhook successfully created' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{44}$/);
    const got = await webhooks.get(created.id);
    expect(got).toMatchObject({ id: Number(created.id), eventId, name: 'warehouse', status: 1, responses: [] });
    expect(JSON.stringify(got)).not.toContain(created.secret.slice(6));
    const stored = await h.portico.platform.db
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', Number(created.id))
      .executeTakeFirstOrThrow();
    expect(stored.secret).not.toContain(created.secret.slice(6));
    expect(stored.secret.startsWith('enc:v1:')).toBe(true);

    expect(
      await sdkError(webhooks.create({ eventId: 999999, name: 'x', endpoint: 'http://127.0.0.1/' })),
    ).toMatchObject({
      message: 'Webhook event does not exist',
    });
    await webhooks.update(created.id, { name: 'warehouse-2', endpoint: 'http://127.0.0.1:9999/v2' });
    expect(await webhooks.get(created.id)).toMatchObject({ name: 'warehouse-2', endpoint: 'http://127.0.0.1:9999/v2' });
    await webhooks.delete(created.id);
    expect(await sdkError(webhooks.get(created.id))).toMatchObject({ message: 'Could not find webhook' });
    await allowPrivateWebhooks(h.admin, false);
  });

  it('lets a developer list events and manage only their own webhooks, up to consumer_max_webhooks', async () => {
    await createEvent(h.admin, 'parcel.shipped', 'A parcel left the warehouse');
    await allowPrivateWebhooks(h.admin, true);
    await setConfig(h.admin, 'consumer_max_webhooks', 2);
    const alice = await developer(h, 'alice');
    const bob = await developer(h, 'bob');

    const events = await alice.client.consumer().event().getAll(0, 64);
    expect(events.entry?.find((e) => e.name === 'parcel.shipped')).toMatchObject({
      description: 'A parcel left the warehouse',
    });
    expect(await alice.client.consumer().event().get('~parcel.shipped')).toMatchObject({ name: 'parcel.shipped' });

    const mine = alice.client.consumer().webhook();
    expect(
      await sdkError(mine.create({ event: 'no.such', name: 'x', endpoint: 'http://127.0.0.1:9999/c' })),
    ).toMatchObject({ message: 'Event does not exist' });
    const first = (await mine.create({
      event: 'parcel.shipped',
      name: 'shipping',
      endpoint: 'http://127.0.0.1:9999/a',
    })) as unknown as CreatedWebhook;
    expect(first.secret).toMatch(/^whsec_/);
    await mine.create({ event: 'parcel.shipped', name: 'second', endpoint: 'http://127.0.0.1:9999/b' });
    expect(
      await sdkError(mine.create({ event: 'parcel.shipped', name: 'third', endpoint: 'http://127.0.0.1:9999/c' })),
    ).toMatchObject({ message: expect.stringMatching(/Maximal amount of webhooks reached/) });

    const list = await mine.getAll();
    expect(list.totalResults).toBe(2);
    expect(list.entry?.map((w) => w.event)).toEqual(['parcel.shipped', 'parcel.shipped']);
    expect(await mine.get(first.id)).toMatchObject({
      id: Number(first.id),
      status: 1,
      event: 'parcel.shipped',
      name: 'shipping',
      endpoint: 'http://127.0.0.1:9999/a',
      responses: [],
    });

    // somebody else's webhook does not exist for bob
    const theirs = bob.client.consumer().webhook();
    expect(await sdkError(theirs.get(first.id))).toMatchObject({ message: 'Could not find webhook' });
    expect(await sdkError(theirs.update(first.id, { name: 'mine now' }))).toMatchObject({
      message: 'Could not find webhook',
    });
    expect(await sdkError(theirs.delete(first.id))).toMatchObject({ message: 'Could not find webhook' });
    expect((await theirs.getAll()).totalResults).toBe(0);

    await mine.update(first.id, { name: 'shipping-v2' });
    expect(await mine.get(first.id)).toMatchObject({ name: 'shipping-v2' });
    await mine.delete(first.id);
    expect((await mine.getAll()).totalResults).toBe(1);
    // the admin sees the developer's webhook with its owner
    const all = await h.admin.backend().webhook().getAll(0, 64);
    expect(all.entry?.find((w) => w.name === 'second')).toMatchObject({ userId: alice.id });
    await setConfig(h.admin, 'consumer_max_webhooks', 8);
    await allowPrivateWebhooks(h.admin, false);
  });
});
