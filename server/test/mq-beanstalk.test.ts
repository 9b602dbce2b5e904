import { Client } from 'node-beanstalk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation, uniqueName } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';
import { requireService } from './support/services.js';

const beanstalkClass = 'Fusio.Adapter.Beanstalk.Connection.Beanstalk';
const publishClass = 'Fusio.Adapter.Beanstalk.Action.BeanstalkPublish';
const up = await requireService('beanstalkd', '127.0.0.1', 11300);
const [database] = await systemDatabases();

interface Envelope {
  id: string;
  operation: string;
  userId: number | null;
  appId: number | null;
  requestId: string;
  publishedAt: string;
  contentType: string;
  body: unknown;
  encoding?: string;
}

describe.runIf(up && database)('a write request becomes a beanstalkd job', () => {
  let h: Harness;
  let proxy: TcpProxy;
  /** the worker's side: watches this file's tubes only */
  let worker: Client;
  const tube = uniqueName('portico_t');
  const delayedTube = `${tube}_later`;
  const proxiedTube = `${tube}_proxied`;

  /** Reserves and deletes the next ready job of the watched tubes; null when there is none. */
  async function take(): Promise<{ id: number; payload: unknown } | null> {
    const job = await worker.reserveWithTimeout(0);
    if (!job) return null;
    await worker.delete(job.id);
    return { id: job.id, payload: job.payload };
  }

  beforeAll(async () => {
    h = await startHarness(database!);
    proxy = await startTcpProxy('127.0.0.1', 11300);
    worker = new Client();
    await worker.connect();
    for (const t of [tube, proxiedTube]) await worker.watch(t);
    await worker.ignore('default');
    await createConnection(h, 'beanstalk', beanstalkClass, { host: '127.0.0.1' });
    await createConnection(h, 'beanstalk-via-proxy', beanstalkClass, { host: '127.0.0.1', port: proxy.port });
  });
  afterAll(async () => {
    // leave no job behind in the shared server
    if (worker) {
      for (let job = await take(); job; job = await take()) {}
      await worker.use(delayedTube);
      for (let job = await worker.peekDelayed(); job; job = await worker.peekDelayed()) await worker.delete(job.id);
      await worker.disconnect();
    }
    await h?.close();
    await proxy?.close();
  });

  it('tests a connection on save', async () => {
    const refused = await backend(h, 'POST', '/backend/connection', {
      name: 'beanstalk-nowhere',
      class: beanstalkClass,
      config: { host: '127.0.0.1', port: 1 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^Connection test failed: .*ECONNREFUSED/);
    const stored = await backend(h, 'GET', '/backend/connection/~beanstalk');
    expect(stored.body.config).toEqual({ host: '127.0.0.1', port: 11300 });
  });

  it('puts the body in an envelope with the message id, priority and time to run', async () => {
    await createOperation(h, {
      name: 'mails.send',
      path: '/mails',
      actionClass: publishClass,
      config: { connection: 'beanstalk', tube, priority: 10, ttr: 30 },
    });
    const body = { to: 'a@example.com', template: 'welcome' };
    const res = await call(h, 'POST', '/mails', body, { asAdmin: true });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, message: 'Message successfully published' });

    const job = await worker.reserveWithTimeout(0);
    expect(job).not.toBeNull();
    const stats = await worker.statsJob(job!.id);
    expect(stats).toMatchObject({ tube, pri: 10, ttr: 30 });
    await worker.delete(job!.id);
    const envelope = job!.payload as Envelope;
    const me = await h.admin.authorization().getWhoami();
    expect(envelope).toMatchObject({
      id: res.body.id,
      operation: 'mails.send',
      userId: Number(me.id),
      contentType: 'application/json',
      body,
    });
    expect(envelope.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(Date.parse(envelope.publishedAt)).toBeGreaterThan(Date.now() - 60_000);

    // a text body travels as text
    const text = await call(h, 'POST', '/mails', 'hello worker', { contentType: 'text/plain' });
    expect(text.status).toBe(202);
    const textJob = await take();
    expect(textJob?.payload).toMatchObject({ id: text.body.id, contentType: 'text/plain', body: 'hello worker' });
    expect((textJob!.payload as Envelope).userId).toBeNull();
  });

  it('delays a job and sends the bare body without the envelope, as Fusio does', async () => {
    await createOperation(h, {
      name: 'reports.create',
      path: '/reports',
      actionClass: publishClass,
      config: { connection: 'beanstalk', tube: delayedTube, delay: 3600, envelope: false },
    });
    const res = await call(h, 'POST', '/reports', { month: '2026-11' });
    expect(res.status).toBe(202);
    const tubeStats = await worker.statsTube(delayedTube);
    expect(tubeStats).toMatchObject({ 'current-jobs-delayed': 1, 'current-jobs-ready': 0 });
    await worker.use(delayedTube);
    const job = await worker.peekDelayed();
    expect(job?.payload).toEqual({ month: '2026-11' });
    await worker.delete(job!.id);
  });

  it('refuses a job larger than beanstalkd takes with 413', async () => {
    const res = await call(h, 'POST', '/mails', { blob: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/larger than beanstalkd accepts/);
    // the connection is still in step afterwards
    expect((await call(h, 'POST', '/mails', { after: 'too big' })).status).toBe(202);
    expect(((await take())!.payload as Envelope).body).toEqual({ after: 'too big' });
  });

  it('answers 503 while beanstalkd is away and recovers by itself', async () => {
    await createOperation(h, {
      name: 'thumbs.create',
      path: '/thumbs',
      actionClass: publishClass,
      config: { connection: 'beanstalk-via-proxy', tube: proxiedTube },
    });
    expect((await call(h, 'POST', '/thumbs', { n: 1 })).status).toBe(202);

    await proxy.down();
    const down = await call(h, 'POST', '/thumbs', { n: 2 });
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ success: false });
    const stillDown = await call(h, 'POST', '/thumbs', { n: 3 });
    expect(stillDown.status).toBe(503);
    expect(stillDown.body.message).toMatch(/Connection "beanstalk-via-proxy" is not available$/);

    await proxy.up();
    expect((await call(h, 'POST', '/thumbs', { n: 4 })).status).toBe(202);

    // a socket lost while beanstalkd stays up: noticed, replaced, and no 202 without a stored job
    proxy.cut();
    const accepted: unknown[] = [];
    for (let attempt = 0; attempt < 50 && accepted.length === 0; attempt++) {
      const res = await call(h, 'POST', '/thumbs', { n: 5 });
      expect([202, 503]).toContain(res.status);
      if (res.status === 202) accepted.push(res.body.id);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(accepted).toHaveLength(1);

    const bodies: unknown[] = [];
    for (let job = await take(); job; job = await take()) bodies.push((job.payload as Envelope).body);
    expect(bodies).toEqual([{ n: 1 }, { n: 4 }, { n: 5 }]);
  });
});
