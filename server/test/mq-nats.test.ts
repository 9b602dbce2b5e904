import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation, eventually, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';

const natsClass = 'Portico.Adapter.Nats.Connection.Nats';
const publishClass = 'Portico.Adapter.Nats.Action.NatsPublish';
const up = await requireService('NATS', '127.0.0.1', 4222);
const [database] = await systemDatabases();

/** Collects what arrives on a subject, as a worker subscribed to it would see it. */
function collect(nc: NatsConnection, subject: string): { messages: Msg[]; sub: Subscription } {
  const messages: Msg[] = [];
  const sub = nc.subscribe(subject, { callback: (_error, msg) => messages.push(msg) });
  return { messages, sub };
}

const json = (msg: { data: Uint8Array }) => JSON.parse(new TextDecoder().decode(msg.data)) as unknown;

describe.runIf(up && database)(
  'a write request becomes a NATS message, JetStream-acknowledged where a stream exists',
  () => {
    let h: Harness;
    let proxy: TcpProxy;
    let nc: NatsConnection;
    const prefix = uniqueName('portico_t');
    const stream = prefix;

    beforeAll(async () => {
      h = await startHarness(database!);
      proxy = await startTcpProxy('127.0.0.1', 4222);
      nc = await connect({ servers: '127.0.0.1:4222' });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: stream, subjects: [`${prefix}.stored.>`] });
      await createConnection(h, 'nats', natsClass, { servers: 'nats://127.0.0.1:4222' });
      await createConnection(h, 'nats-via-proxy', natsClass, { servers: `nats://127.0.0.1:${proxy.port}` });
    });
    afterAll(async () => {
      if (nc) {
        const jsm = await nc.jetstreamManager();
        await jsm.streams.delete(stream).catch(() => {});
        await nc.close();
      }
      await h?.close();
      await proxy?.close();
    });

    it('tests a connection on save', async () => {
      const refused = await backend(h, 'POST', '/backend/connection', {
        name: 'nats-nowhere',
        class: natsClass,
        config: { servers: 'nats://127.0.0.1:1' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/^Connection test failed: .*(CONNECTION_REFUSED|ECONNREFUSED)/);
    });

    it('publishes on a plain subject with the metadata as headers', async () => {
      const subject = `${prefix}.orders.created`;
      const worker = collect(nc, subject);
      await nc.flush();
      await createOperation(h, {
        name: 'orders.create',
        path: '/orders',
        actionClass: publishClass,
        config: { connection: 'nats', subject },
      });
      const res = await call(h, 'POST', '/orders', { sku: 'B-2' }, { asAdmin: true });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ success: true, message: 'Message successfully published' });

      await eventually(async () => worker.messages.length === 1);
      const msg = worker.messages[0]!;
      expect(json(msg)).toEqual({ sku: 'B-2' });
      const me = await h.admin.authorization().getWhoami();
      expect(msg.headers?.get('message-id')).toBe(res.body.id);
      expect(msg.headers?.get('content-type')).toBe('application/json');
      expect(msg.headers?.get('operation')).toBe('orders.create');
      expect(msg.headers?.get('user-id')).toBe(String(me.id));
      worker.sub.unsubscribe();
    });

    it('waits for the stream to store the message and marks it for de-duplication', async () => {
      const subject = `${prefix}.stored.invoices`;
      await createOperation(h, {
        name: 'invoices.create',
        path: '/invoices',
        actionClass: publishClass,
        config: { connection: 'nats', subject, jetstream: 'always' },
      });
      const res = await call(h, 'POST', '/invoices', { total: 99 });
      expect(res.status).toBe(202);

      // the 202 came after the stream's acknowledgement, so the message is stored already
      const jsm = await nc.jetstreamManager();
      const stored = await jsm.streams.getMessage(stream, { last_by_subj: subject });
      expect(json(stored)).toEqual({ total: 99 });
      expect(stored.header.get('Nats-Msg-Id')).toBe(res.body.id);
      expect(stored.header.get('operation')).toBe('invoices.create');
      expect((await jsm.streams.info(stream)).state.messages).toBe(1);

      // 'always' without a stream behind the subject is refused instead of published into the void
      await createOperation(h, {
        name: 'unstored.create',
        path: '/unstored',
        actionClass: publishClass,
        config: { connection: 'nats', subject: `${prefix}.nowhere`, jetstream: 'always' },
      });
      const refused = await call(h, 'POST', '/unstored', { x: 1 });
      expect(refused.status).toBe(503);
      expect(refused.body.message).toMatch(/No JetStream stream captures subject/);
    });

    it('answers 503 while NATS is away and recovers without a restart', async () => {
      const subject = `${prefix}.jobs`;
      const worker = collect(nc, subject);
      await nc.flush();
      await createOperation(h, {
        name: 'jobs.create',
        path: '/jobs',
        actionClass: publishClass,
        config: { connection: 'nats-via-proxy', subject },
      });
      expect((await call(h, 'POST', '/jobs', { n: 1 })).status).toBe(202);

      await proxy.down();
      const down = await call(h, 'POST', '/jobs', { n: 2 });
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ success: false });
      const stillDown = await call(h, 'POST', '/jobs', { n: 3 });
      expect(stillDown.status).toBe(503);
      expect(stillDown.body.message).toMatch(/Connection "nats-via-proxy" is not available/);

      await proxy.up();
      expect((await call(h, 'POST', '/jobs', { n: 4 })).status).toBe(202);

      // a lost socket: never a 202 for a message the server did not get, and back by itself
      proxy.cut();
      let accepted = 0;
      for (let attempt = 0; attempt < 50 && accepted === 0; attempt++) {
        const res = await call(h, 'POST', '/jobs', { n: 5 });
        expect([202, 503]).toContain(res.status);
        if (res.status === 202) accepted++;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(accepted).toBe(1);
      await eventually(async () => worker.messages.length >= 3);
      expect(worker.messages.map(json)).toEqual([{ n: 1 }, { n: 4 }, { n: 5 }]);
      worker.sub.unsubscribe();
    });
  },
);
