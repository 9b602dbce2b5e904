import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation, eventually, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';

const mqttClass = 'Fusio.Adapter.Mqtt.Connection.Mqtt';
const publishClass = 'Fusio.Adapter.Mqtt.Action.MqttPublish';
const up = await requireService('Mosquitto', '127.0.0.1', 1883);
const [database] = await systemDatabases();

interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

/** A worker's MQTT 5 subscription to this file's topics. */
async function subscriber(topicFilter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5, reconnectPeriod: 0 });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload, packet }));
  await client.subscribeAsync(topicFilter, { qos: 2 });
  return { client, received };
}

describe.runIf(up && database)('a write request becomes an acknowledged MQTT publish', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let worker: { client: MqttClient; received: Received[] };
  const prefix = uniqueName('portico_t');
  const retainedTopic = `${prefix}/status`;

  const bodies = (topic: string) =>
    worker.received.filter((r) => r.topic === topic).map((r) => JSON.parse(r.payload.toString()) as unknown);

  beforeAll(async () => {
    h = await startHarness(database!);
    proxy = await startTcpProxy('127.0.0.1', 1883);
    worker = await subscriber(`${prefix}/#`);
    await createConnection(h, 'mqtt', mqttClass, { url: 'mqtt://127.0.0.1:1883' });
    await createConnection(h, 'mqtt-via-proxy', mqttClass, { url: `mqtt://127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    // clear the retained message from the shared broker
    await worker?.client.publishAsync(retainedTopic, '', { retain: true, qos: 1 }).catch(() => {});
    await worker?.client.endAsync();
    await h?.close();
    await proxy?.close();
  });

  it('tests a connection on save and takes Fusio-style host and port', async () => {
    const refused = await backend(h, 'POST', '/backend/connection', {
      name: 'mqtt-nowhere',
      class: mqttClass,
      config: { url: 'mqtt://127.0.0.1:1' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^Connection test failed: .*ECONNREFUSED/);
    const neither = await backend(h, 'POST', '/backend/connection', {
      name: 'mqtt-empty',
      class: mqttClass,
      config: {},
    });
    expect(neither.status).toBe(400);

    await createConnection(h, 'mqtt-fusio', mqttClass, { host: '127.0.0.1', port: 1883, protocolVersion: 4 });
  });

  it('publishes with QoS 1 and the metadata as MQTT 5 properties', async () => {
    const topic = `${prefix}/orders`;
    await createOperation(h, {
      name: 'orders.create',
      path: '/orders',
      actionClass: publishClass,
      config: { connection: 'mqtt', topic },
    });
    const res = await call(h, 'POST', '/orders', { sku: 'C-3' }, { asAdmin: true });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, message: 'Message successfully published' });

    await eventually(async () => bodies(topic).length === 1);
    const { packet } = worker.received.find((r) => r.topic === topic)!;
    expect(JSON.parse(packet.payload.toString())).toEqual({ sku: 'C-3' });
    expect(packet.qos).toBe(1);
    const me = await h.admin.authorization().getWhoami();
    expect(packet.properties?.contentType).toBe('application/json');
    expect(packet.properties?.userProperties).toMatchObject({
      'message-id': res.body.id,
      operation: 'orders.create',
      'user-id': String(me.id),
    });
  });

  it('retains with QoS 2, and over MQTT 3.1.1 sends the body alone', async () => {
    await createOperation(h, {
      name: 'status.set',
      path: '/status',
      actionClass: publishClass,
      config: { connection: 'mqtt', topic: retainedTopic, qos: 2, retain: true },
    });
    expect((await call(h, 'POST', '/status', { state: 'green' })).status).toBe(202);
    // a subscriber arriving later still gets the retained message
    const late = await subscriber(retainedTopic);
    await eventually(async () => late.received.length === 1);
    expect(late.received[0]!.packet).toMatchObject({ retain: true, qos: 2 });
    expect(JSON.parse(late.received[0]!.payload.toString())).toEqual({ state: 'green' });
    await late.client.endAsync();

    const topic = `${prefix}/legacy`;
    await createOperation(h, {
      name: 'legacy.create',
      path: '/legacy',
      actionClass: publishClass,
      config: { connection: 'mqtt-fusio', topic },
    });
    expect((await call(h, 'POST', '/legacy', { old: true })).status).toBe(202);
    await eventually(async () => bodies(topic).length === 1);
    expect(bodies(topic)).toEqual([{ old: true }]);
    expect(worker.received.find((r) => r.topic === topic)?.packet.properties?.userProperties).toBeUndefined();
  });

  it('answers 503 while the broker is away and recovers without a restart', async () => {
    const topic = `${prefix}/jobs`;
    await createOperation(h, {
      name: 'jobs.create',
      path: '/jobs',
      actionClass: publishClass,
      config: { connection: 'mqtt-via-proxy', topic },
    });
    expect((await call(h, 'POST', '/jobs', { n: 1 })).status).toBe(202);

    await proxy.down();
    const down = await call(h, 'POST', '/jobs', { n: 2 });
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ success: false });
    const stillDown = await call(h, 'POST', '/jobs', { n: 3 });
    expect(stillDown.status).toBe(503);
    expect(stillDown.body.message).toMatch(/Connection "mqtt-via-proxy" is not available$/);

    await proxy.up();
    expect((await call(h, 'POST', '/jobs', { n: 4 })).status).toBe(202);

    proxy.cut();
    let accepted = 0;
    for (let attempt = 0; attempt < 50 && accepted === 0; attempt++) {
      const res = await call(h, 'POST', '/jobs', { n: 5 });
      expect([202, 503]).toContain(res.status);
      if (res.status === 202) accepted++;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(accepted).toBe(1);
    await eventually(async () => bodies(topic).length >= 3);
    expect(bodies(topic)).toEqual([{ n: 1 }, { n: 4 }, { n: 5 }]);
  });
});
