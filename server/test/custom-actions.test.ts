import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

// inside the package, so `import … from '@portico/server'` resolves as it does in a user's project
const dir = fs.mkdtempSync(path.join(import.meta.dirname, '..', '.tmp-actions-'));

const hello = (punctuation: string) => `
import { defineAction, errors, response } from '@portico/server';

export default defineAction<{ greeting: string; shout?: boolean }>({
  name: 'Hello',
  description: 'Greets the caller',
  config: {
    type: 'object',
    properties: {
      greeting: { type: 'string', default: 'Hello' },
      shout: { type: 'boolean' },
    },
  },
  handle(request, context, config) {
    if (request.params.name === 'nobody') throw errors.notFound('Nobody is not here');
    const text = \`\${config.greeting}, \${request.params.name} (from \${context.user.anonymous ? 'a stranger' : context.user.name})${punctuation}\`;
    return response(200, { message: config.shout ? text.toUpperCase() : text, operation: context.operation.name }, { 'x-greeter': 'custom' });
  },
});
`;

const order = `
import { defineAction, response } from '@portico/server';

interface Order { sku: string; quantity: number }

export const createOrder = defineAction({
  name: 'Create-Order',
  class: 'Shop.CreateOrder',
  handle(request) {
    const order = request.body as Order;
    return response(201, { success: true, message: 'Order accepted', id: \`\${order.sku}-\${order.quantity}\` });
  },
});
`;

describe('custom actions from ACTIONS_DIR', () => {
  let h: Harness;

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, 'hello.ts'), hello(''));
    fs.mkdirSync(path.join(dir, 'shop'));
    fs.writeFileSync(path.join(dir, 'shop', 'orders.ts'), order);
    fs.writeFileSync(path.join(dir, 'broken.ts'), 'export default defineAction({ name: ');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a module');
    h = await startHarness(sqlite!, { ACTIONS_DIR: dir });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists them beside the built-ins, with their config form; a broken file does not stop the others', async () => {
    const list = await h.admin.backend().action().getClasses();
    const classes = list.actions?.map((a) => a.class);
    expect(classes).toEqual(
      expect.arrayContaining(['Custom.hello', 'Shop.CreateOrder', 'Fusio.Adapter.Util.Action.UtilStaticResponse']),
    );
    expect(list.actions?.find((a) => a.class === 'Custom.hello')?.name).toBe('Hello');
    const form = await h.admin.backend().action().getForm('Custom.hello');
    expect(form.element?.map((e) => [e.name, e.element])).toEqual([
      ['greeting', 'input'],
      ['shout', 'checkbox'],
    ]);
  });

  it('runs with its config, the request and the caller, answering its own status and headers', async () => {
    const backend = h.admin.backend();
    await backend.action().create({ name: 'greet', class: 'Custom.hello', config: { shout: false } });
    await backend
      .operation()
      .create({ name: 'greet', httpMethod: 'GET', httpPath: '/greet/:name', action: 'greet', public: true });
    const res = await h.fetch('/greet/ada');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-greeter')).toBe('custom');
    expect(await res.json()).toEqual({ message: 'Hello, ada (from a stranger)', operation: 'greet' });

    const signedIn = await h.fetch('/greet/ada', { headers: { authorization: `Bearer ${await h.adminToken()}` } });
    expect(((await signedIn.json()) as { message: string }).message).toBe('Hello, ada (from admin)');

    const missing = await h.fetch('/greet/nobody');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false, message: 'Nobody is not here' });

    await backend.action().create({ name: 'order', class: 'Shop.CreateOrder' });
    await backend
      .operation()
      .create({ name: 'order.create', httpMethod: 'POST', httpPath: '/orders', action: 'order', public: true });
    const created = await h.fetch('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'A1', quantity: 3 }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ success: true, message: 'Order accepted', id: 'A1-3' });
  });

  it('validates the config against the module’s schema', async () => {
    const res = await h.fetch('/backend/action', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad-greet', class: 'Custom.hello', config: { shout: 'loud' } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('/shout');
  });

  it('picks up an edited file on reload, and answers 503 once its module is gone', async () => {
    fs.writeFileSync(path.join(dir, 'hello.ts'), hello('!'));
    const report = await h.portico.reloadActions();
    expect(report.loaded).toContain('Custom.hello');
    expect(report.failed.map((f) => f.file)).toEqual(['broken.ts']);
    expect(await (await h.fetch('/greet/ada')).json()).toMatchObject({ message: 'Hello, ada (from a stranger)!' });

    fs.rmSync(path.join(dir, 'hello.ts'));
    await h.portico.reloadActions();
    const gone = await h.fetch('/greet/ada');
    expect(gone.status).toBe(503);
    expect(((await gone.json()) as { message: string }).message).toContain('Custom.hello');
    // the other module is unaffected
    expect(
      (
        await h.fetch('/orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"sku":"B","quantity":1}',
        })
      ).status,
    ).toBe(201);
  });
});
