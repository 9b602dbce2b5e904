import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { bearer, call, developer, unique } from './support/plan-helpers.js';

/**
 * An administrator who groups operations in categories of their own (BackendCategory) still offers them as
 * the API: only the platform's four categories are not. Every place that shows "the API" to developers and
 * agents must see them — the developer's call log, JSON-RPC and MCP, the generated documents, the forms.
 */
describe.each(await systemDatabases())('operations in a category of their own ($kind)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('are the API for developers, agents, documents and forms', async () => {
    const backend = h.admin.backend();
    const prefix = unique('shop');
    await backend.category().create({ name: prefix } as never);
    const categories = await backend.category().getAll(0, 50, prefix);
    const categoryId = Number(categories.entry?.find((c) => c.name === prefix)?.id);
    expect(categoryId).toBeGreaterThan(5);
    await backend.action().create({
      name: `${prefix}-action`,
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"items":["tea"]}' },
    });
    const name = `${prefix}.list`;
    await backend.operation().create({
      name,
      httpMethod: 'GET',
      httpPath: `/${prefix}`,
      action: `${prefix}-action`,
      public: true,
      description: 'Lists what the shop sells',
      categoryId,
    } as never);
    const operation = await backend.operation().get(`~${name}`);
    expect((operation as { categoryId?: number }).categoryId).toBe(categoryId);

    // a developer calls it and finds the call in their own log
    const dev = await developer(h);
    expect((await call(h, `/${prefix}?from=log`, bearer(dev.token))).status).toBe(200);
    await h.flushLogs();
    const log = await call(h, '/consumer/log', bearer(dev.token));
    const paths = ((log.body.entry ?? []) as { path: string }[]).map((e) => e.path);
    expect(paths.some((p) => p.startsWith(`/${prefix}`))).toBe(true);

    // an agent calls it by name over JSON-RPC (the MCP tool list is the same catalogue)
    const rpc = await h.fetch('/jsonrpc', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: name, params: {} }),
    });
    expect(await rpc.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { items: ['tea'] } });

    // the generated reference an anonymous visitor downloads names it
    const markdown = await h.fetch('/system/generator/markdown');
    expect(markdown.status).toBe(200);
    expect(await markdown.text()).toContain(`/${prefix}`);

    // a form can be bound to it, and the portal lists it
    await backend.form().create({ name: `${prefix}-form`, operationId: operation.id, uiSchema: {} } as never);
    const forms = await call(h, '/consumer/form');
    expect(((forms.body.entry ?? []) as { name: string }[]).map((f) => f.name)).toContain(`${prefix}-form`);
  });
});
