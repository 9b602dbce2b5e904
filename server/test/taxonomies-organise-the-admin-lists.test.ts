import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

describe.each(databases)("taxonomies organise the admin app's lists, through the fusio-sdk ($kind)", (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates nested taxonomies, moves entities into one and lists by it', async () => {
    const backend = h.admin.backend();
    const billing = await backend.taxonomy().create({ name: 'Billing' });
    expect(billing).toMatchObject({ success: true, message: 'Taxonomy successfully created' });
    const billingId = Number(billing.id);
    const invoices = await backend.taxonomy().create({ name: 'Invoices', parentId: billingId });
    const invoicesId = Number(invoices.id);
    expect(await backend.taxonomy().get(String(invoicesId))).toEqual({
      id: invoicesId,
      name: 'Invoices',
      parentId: billingId,
    });
    expect(await backend.taxonomy().get('~Billing')).toEqual({ id: billingId, name: 'Billing' });
    const all = await backend.taxonomy().getAll(0, 16);
    expect(all.totalResults).toBe(2);
    expect((await backend.taxonomy().getAll(0, 16, 'voice')).entry?.map((t) => t.name)).toEqual(['Invoices']);

    await backend.schema().create({ name: 'Invoice', source: { type: 'object', properties: {} } });
    await backend.action().create({
      name: 'invoice-list',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '[]' },
    });
    await backend.action().create({
      name: 'other-list',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '[]' },
    });
    const op = await backend.operation().create({
      name: 'invoice.getAll',
      httpMethod: 'GET',
      httpPath: '/invoice',
      action: 'invoice-list',
      public: true,
    });
    await backend.event().create({ name: 'invoice_created', description: 'An invoice was created' });
    const schemaId = (await backend.schema().get('~Invoice')).id as number;
    const actionId = (await backend.action().get('~invoice-list')).id as number;
    const eventId = (await backend.event().get('~invoice_created')).id as number;

    const moved = await backend.taxonomy().move(String(invoicesId), {
      operations: [Number(op.id)],
      actions: [actionId],
      schemas: [schemaId],
      events: [eventId],
    });
    expect(moved).toMatchObject({ success: true, message: 'Taxonomy successfully moved' });

    const ops = await backend.operation().getAll(0, 100, undefined, invoicesId);
    expect(ops.entry?.map((o) => o.name)).toEqual(['invoice.getAll']);
    // fusio-sdk 7.0's action list takes no taxonomy argument; Fusio's admin app sends the parameter
    const token = await h.adminToken();
    const actions = await h.fetch(`/backend/action?taxonomy=${invoicesId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await actions.json()) as { entry: { name: string }[] }).entry.map((a) => a.name)).toEqual([
      'invoice-list',
    ]);
    expect((await backend.schema().getAll(0, 100, undefined, invoicesId)).entry?.map((s) => s.name)).toEqual([
      'Invoice',
    ]);
    expect((await backend.event().getAll(0, 100, undefined, invoicesId)).entry?.map((e) => e.name)).toEqual([
      'invoice_created',
    ]);
    expect((await backend.cronjob().getAll(0, 100, undefined, invoicesId)).totalResults).toBe(0);
    expect((await backend.trigger().getAll(0, 100, undefined, invoicesId)).totalResults).toBe(0);
    expect((await backend.operation().getAll(0, 100, undefined, billingId)).totalResults).toBe(0);
    // without the filter every action is listed, as before
    const names = (await backend.action().getAll(0, 100)).entry?.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['invoice-list', 'other-list']));
    // organising changes nothing a caller sees
    expect((await h.fetch('/invoice')).status).toBe(200);
  });

  it('refuses what would break the tree or names nothing, and changes nothing', async () => {
    const backend = h.admin.backend();
    const billing = await backend.taxonomy().get('~Billing');
    const invoices = await backend.taxonomy().get('~Invoices');
    expect(
      (await sdkError(backend.taxonomy().update(String(billing.id), { name: 'Billing', parentId: invoices.id })))
        .message,
    ).toBe('A taxonomy cannot be nested inside itself');
    expect((await sdkError(backend.taxonomy().create({ name: 'Orphan', parentId: 9999 }))).message).toBe(
      'Parent taxonomy 9999 does not exist',
    );
    expect((await sdkError(backend.taxonomy().create({ name: 'Billing' }))).message).toBe('Taxonomy already exists');
    expect((await sdkError(backend.taxonomy().create({ name: '  ' }))).message).toMatch(/^Taxonomy name must be/);
    expect((await sdkError(backend.taxonomy().move(String(billing.id), { actions: [9999] }))).message).toBe(
      'Taxonomy move: actions 9999 does not exist',
    );
    expect((await sdkError(backend.taxonomy().get('4242'))).message).toBe('Could not find taxonomy');
    expect(await backend.taxonomy().get(String(billing.id))).toEqual({ id: billing.id, name: 'Billing' });
  });

  it('renames a taxonomy, and deleting one moves what it held to the top', async () => {
    const backend = h.admin.backend();
    const invoices = await backend.taxonomy().get('~Invoices');
    await backend.taxonomy().update(String(invoices.id), { name: 'Receipts' });
    expect((await backend.taxonomy().get(String(invoices.id))).name).toBe('Receipts');
    const billing = await backend.taxonomy().get('~Billing');
    const deleted = await backend.taxonomy().delete(String(billing.id));
    expect(deleted).toMatchObject({ success: true, message: 'Taxonomy successfully deleted' });
    expect(await backend.taxonomy().get(String(invoices.id))).toEqual({ id: invoices.id, name: 'Receipts' });
    await backend.taxonomy().delete(String(invoices.id));
    expect((await backend.operation().getAll(0, 100, undefined, Number(invoices.id))).totalResults).toBe(0);
    expect((await backend.operation().get('~invoice.getAll')).name).toBe('invoice.getAll');
    expect((await backend.taxonomy().getAll(0, 16)).totalResults).toBe(0);
  });

  it('is for administrators only', async () => {
    const token = await h.adminToken('consumer');
    const res = await h.fetch('/backend/taxonomy', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
  });
});
