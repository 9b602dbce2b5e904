import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqplib, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';

const amqpClass = 'Fusio.Adapter.Amqp.Connection.Amqp';
const publishClass = 'Fusio.Adapter.Amqp.Action.AmqpPublish';
const up = await requireService('RabbitMQ', '127.0.0.1', 5672);
const [database] = await systemDatabases();

describe.runIf(up && database)('a write request becomes a confirmed RabbitMQ message', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let broker: ChannelModel;
  let channel: Channel;
  const prefix = uniqueName('portico_t');
  const queues: string[] = [];
  const exchanges: string[] = [];

  /** Takes the next message from a queue; null when it is empty. */
  async function take(queue: string): Promise<GetMessage | null> {
    const message = await channel.get(queue, { noAck: true });
    return message === false ? null : message;
  }

  beforeAll(async () => {
    h = await startHarness(database!);
    proxy = await startTcpProxy('127.0.0.1', 5672);
    broker = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
    channel = await broker.createChannel();
    await createConnection(h, 'rabbit', amqpClass, { host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest' });
    await createConnection(h, 'rabbit-via-proxy', amqpClass, {
      host: '127.0.0.1',
      port: proxy.port,
      password: 'guest',
    });
  });
  afterAll(async () => {
    for (const q of queues) await channel?.deleteQueue(q).catch(() => {});
    for (const x of exchanges) await channel?.deleteExchange(x).catch(() => {});
    await broker?.close().catch(() => {});
    await h?.close();
    await proxy?.close();
  });

  it('tests a connection on save and never shows its password', async () => {
    const refused = await backend(h, 'POST', '/backend/connection', {
      name: 'rabbit-bad-login',
      class: amqpClass,
      config: { host: '127.0.0.1', port: 5672, user: 'guest', password: 'wrong' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^Connection test failed: .*ACCESS.REFUSED/);

    const closedPort = await backend(h, 'POST', '/backend/connection', {
      name: 'rabbit-nowhere',
      class: amqpClass,
      config: { host: '127.0.0.1', port: 1 },
    });
    expect(closedPort.status).toBe(400);
    expect(closedPort.body.message).toMatch(/ECONNREFUSED/);

    const stored = await backend(h, 'GET', '/backend/connection/~rabbit');
    expect(stored.body.config).toMatchObject({ host: '127.0.0.1', user: 'guest', password: '********', vhost: '/' });
  });

  it('publishes the body into a queue with persistent delivery, message id and metadata', async () => {
    const queue = `${prefix}_orders`;
    queues.push(queue);
    await createOperation(h, {
      name: 'orders.create',
      path: '/orders',
      actionClass: publishClass,
      config: { connection: 'rabbit', queue },
    });

    const order = { sku: 'A-1', quantity: 3, note: 'grüße' };
    const res = await call(h, 'POST', '/orders', order, { asAdmin: true });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, message: 'Message successfully published' });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);

    // the 202 came after the broker's confirm, so the message is already in the queue
    const message = await take(queue);
    expect(message).not.toBeNull();
    expect(JSON.parse(message!.content.toString('utf8'))).toEqual(order);
    expect(message!.properties).toMatchObject({
      messageId: res.body.id,
      contentType: 'application/json',
      deliveryMode: 2,
      type: 'orders.create',
    });
    expect(message!.properties.timestamp).toBeGreaterThan(Date.now() / 1000 - 60);
    const me = await h.admin.authorization().getWhoami();
    expect(message!.properties.headers).toMatchObject({ operation: 'orders.create', 'user-id': Number(me.id) });
    expect(message!.properties.headers?.['request-id']).toMatch(/[0-9a-f-]{36}/);
    expect(await take(queue)).toBeNull();

    // the queue was declared durable, so the worker's messages survive a broker restart
    const declared = await channel.checkQueue(queue);
    expect(declared.messageCount).toBe(0);
  });

  it('routes through a declared topic exchange by routing key', async () => {
    const exchange = `${prefix}_events`;
    const queue = `${prefix}_invoices`;
    exchanges.push(exchange);
    queues.push(queue);
    await createOperation(h, {
      name: 'invoices.create',
      path: '/invoices',
      actionClass: publishClass,
      config: { connection: 'rabbit', exchange, exchangeType: 'topic', routingKey: 'invoice.created', queue },
    });
    const res = await call(h, 'POST', '/invoices', { total: 12.5 });
    expect(res.status).toBe(202);
    const message = await take(queue);
    expect(message?.fields).toMatchObject({ exchange, routingKey: 'invoice.created' });
    expect(JSON.parse(message!.content.toString())).toEqual({ total: 12.5 });
    // an anonymous caller has no user id on the message
    expect(message!.properties.headers?.['user-id']).toBeUndefined();
  });

  it('answers 503 instead of 202 when the broker cannot route the message', async () => {
    const exchange = `${prefix}_nobody`;
    exchanges.push(exchange);
    await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
    await createOperation(h, {
      name: 'lost.create',
      path: '/lost',
      actionClass: publishClass,
      config: { connection: 'rabbit', exchange, declare: false },
    });
    const res = await call(h, 'POST', '/lost', { x: 1 });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false });
    expect(res.body.message).toMatch(/could not be routed/);

    // a publish to an exchange that does not exist fails the channel; the next request still works
    await createOperation(h, {
      name: 'missing.create',
      path: '/missing',
      actionClass: publishClass,
      config: { connection: 'rabbit', exchange: `${prefix}_absent`, declare: false },
    });
    const missing = await call(h, 'POST', '/missing', { x: 1 });
    expect(missing.status).toBe(503);
    expect(missing.body.message).toMatch(/NOT_FOUND/);
    const again = await call(h, 'POST', '/orders', { after: 'channel error' });
    expect(again.status).toBe(202);
    expect(JSON.parse((await take(`${prefix}_orders`))!.content.toString())).toEqual({ after: 'channel error' });
  });

  it('answers 503 while the broker is down and recovers without a restart', async () => {
    const queue = `${prefix}_jobs`;
    queues.push(queue);
    await createOperation(h, {
      name: 'jobs.create',
      path: '/jobs',
      actionClass: publishClass,
      config: { connection: 'rabbit-via-proxy', queue },
    });
    expect((await call(h, 'POST', '/jobs', { n: 1 })).status).toBe(202);

    await proxy.down();
    const down = await call(h, 'POST', '/jobs', { n: 2 });
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/rabbit-via-proxy|AMQP/);
    const stillDown = await call(h, 'POST', '/jobs', { n: 3 });
    expect(stillDown.status).toBe(503);
    expect(stillDown.body.message).toMatch(/Connection "rabbit-via-proxy" is not available$/);

    await proxy.up();
    const back = await call(h, 'POST', '/jobs', { n: 4 });
    expect(back.status).toBe(202);

    const delivered: unknown[] = [];
    for (let m = await take(queue); m; m = await take(queue)) delivered.push(JSON.parse(m.content.toString()));
    expect(delivered).toEqual([{ n: 1 }, { n: 4 }]);
  });

  it('notices a connection the broker closed and opens a new one', async () => {
    const queue = `${prefix}_jobs`;
    expect((await call(h, 'POST', '/jobs', { n: 5 })).status).toBe(202);
    const [upstream] = proxy.upstreamPorts();
    expect(upstream).toBeDefined();
    if (!(await closeOnBroker(upstream!))) proxy.cut();

    // every answer is either a confirmed 202 or a 503, and the connection comes back by itself
    const ids: unknown[] = [];
    for (let attempt = 0; attempt < 50 && ids.length === 0; attempt++) {
      const res = await call(h, 'POST', '/jobs', { n: 6 });
      expect([202, 503]).toContain(res.status);
      if (res.status === 202) ids.push(res.body.id);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(ids).toHaveLength(1);
    const delivered: unknown[] = [];
    for (let m = await take(queue); m; m = await take(queue)) delivered.push(m.properties.messageId);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]).toBe(ids[0]);
  });
});

/** Closes, on the broker's side, the connection whose peer is the given port (rabbitmqctl, when installed). */
async function closeOnBroker(peerPort: number): Promise<boolean> {
  const run = promisify(execFile);
  try {
    const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'peer_port', '-q', '--no-table-headers'], {
      timeout: 15_000,
    });
    const line = stdout.split('\n').find((l) => l.trim().split(/\s+/)[1] === String(peerPort));
    if (!line) return false;
    const pid = line.trim().split(/\s+/)[0]!;
    await run('rabbitmqctl', ['close_connection', pid, 'closed by the Portico test'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}
