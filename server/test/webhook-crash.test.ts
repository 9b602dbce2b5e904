import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'fusio-sdk';
import { OAuth2 } from 'sdkgen-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/events/signing.js';
import { allowPrivateWebhooks, createEvent, dispatchingOperation } from './support/events-helpers.js';
import { hookId, type Receiver, startReceiver } from './support/events-receiver.js';
import { adminEmail, adminPassword, freePort } from './support/harness.js';

const serverDir = path.resolve(import.meta.dirname, '..');
const events = 6;

/** Starts Portico in a child process on the shared SQLite file and waits until it listens. */
function startNode(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'events-node.ts')], {
    cwd: serverDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}: ${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('killing a node mid-delivery loses no event', () => {
  let receiver: Receiver;
  let dir: string;
  let env: Record<string, string>;
  let baseUrl: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-crash-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: `sqlite:${path.join(dir, 'portico.db')}`,
      PORTICO_DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      PORTICO_ADMIN_EMAIL: adminEmail,
      PORTICO_ADMIN_PASSWORD: adminPassword,
      PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      ACTIONS_DIR: path.join(dir, 'actions'),
      // a lease longer than the timeout (no node takes over a delivery still in flight), short for the test
      PORTICO_TEST_EVENTS: JSON.stringify({
        pollIntervalMs: 50,
        timeoutMs: 1_000,
        leaseMs: 2_000,
        retryDelaysMs: [200, 200, 200, 200, 200],
      }),
    };
  });
  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event after a SIGKILL and a restart, under stable webhook-ids', async () => {
    const first = await startNode(env);
    children.push(first);
    const admin = new Client(baseUrl, new OAuth2('admin', adminPassword, `${baseUrl}/authorization/token`, '', null));
    await allowPrivateWebhooks(admin);
    const eventId = await createEvent(admin, 'order.created');
    await dispatchingOperation(admin, 'order-dispatch', '/orders', 'order.created');
    const created = (await admin
      .backend()
      .webhook()
      .create({ eventId, name: 'shop', endpoint: `${receiver.url}/orders` })) as unknown as { secret: string };

    // the receiver is slow: it takes the requests and never answers while the first node lives
    receiver.answer = () => 'hang';
    for (let order = 0; order < events; order++) {
      const res = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ order }),
      });
      expect(res.status).toBe(202);
    }
    await receiver.waitFor((all) => all.length > 0, 10_000);
    first.kill('SIGKILL');
    await exited(first);
    expect(receiver.received.every((r) => r.status === undefined)).toBe(true);
    receiver.releaseHeld();

    receiver.answer = () => 200;
    const second = await startNode(env);
    children.push(second);
    await receiver.waitFor(
      (all) => new Set(all.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).order)).size === events,
      20_000,
    );

    const answered = receiver.received.filter((r) => r.status === 200);
    const orders = new Set(answered.map((r) => JSON.parse(r.body).order));
    expect([...orders].sort()).toEqual(Array.from({ length: events }, (_, i) => i));
    // a repeated delivery carries the same webhook-id, so the receiver can drop it
    const idsByOrder = new Map<number, Set<string>>();
    for (const hook of receiver.received) {
      const order = JSON.parse(hook.body).order as number;
      idsByOrder.set(order, (idsByOrder.get(order) ?? new Set()).add(hookId(hook)));
      expect(verifyWebhook(created.secret, hook.headers, hook.body)).toBe(true);
    }
    expect([...idsByOrder.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(new Set(answered.map(hookId)).size).toBe(events);

    second.kill('SIGTERM');
    await exited(second);
    expect(second.exitCode).toBe(0);
  });
});
