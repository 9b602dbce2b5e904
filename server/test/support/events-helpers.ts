import type { Client } from 'fusio-sdk';
import { bearerClient } from './consumer-helpers.js';
import type { Harness } from './harness.js';

/** Fast retries and short leases, so stories about failures take seconds, not hours. */
export const fastEvents = {
  pollIntervalMs: 50,
  timeoutMs: 1_000,
  leaseMs: 3_000,
  retryDelaysMs: [100, 100, 100],
  cronReloadMs: 500,
};

export async function setConfig(admin: Client, name: string, value: unknown): Promise<void> {
  await admin
    .backend()
    .config()
    .update(`~${name}`, { value } as never);
}

/** Tests receive webhooks on 127.0.0.1, which production refuses unless an admin allows it. */
export function allowPrivateWebhooks(admin: Client, allow = true): Promise<void> {
  return setConfig(admin, 'webhook_allow_private', allow);
}

export async function createEvent(admin: Client, name: string, description = ''): Promise<number> {
  const created = await admin.backend().event().create({ name, description });
  return Number(created.id);
}

let sequence = 0;

/** A developer account (Consumer role) made by the admin, logged in through the consumer API. */
export async function developer(h: Harness, prefix = 'dev') {
  sequence += 1;
  const name = `${prefix}${process.pid}x${sequence}`;
  const password = `pw-${name}-long-enough`;
  const roles = await h.admin.backend().role().getAll(0, 16, 'Consumer');
  const roleId = roles.entry?.find((r) => r.name === 'Consumer')?.id;
  const created = await h.admin
    .backend()
    .user()
    .create({ roleId, name, email: `${name}@example.com`, password, status: 1 });
  const jwt = await h.anonymous().consumer().account().login({ username: name, password });
  if (!jwt.token) throw new Error('login returned no token');
  return { id: Number(created.id), name, client: bearerClient(h, jwt.token) };
}

/** A public operation `POST path` whose Util-Dispatch-Event action dispatches the body as `event`. */
export async function dispatchingOperation(admin: Client, name: string, path: string, event: string): Promise<void> {
  await admin
    .backend()
    .action()
    .create({ name, class: 'Fusio.Adapter.Util.Action.UtilDispatchEvent', config: { event } as never });
  await admin
    .backend()
    .operation()
    .create({
      name: `${name.replaceAll('-', '_')}.post`,
      httpMethod: 'POST',
      httpPath: path,
      action: name,
      public: true,
    });
}

/** Polls until `check` resolves truthy. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
