import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { jsonRequest, loggedInDeveloper } from './support/portal-helpers.js';

const databases = await systemDatabases();

describe.each(databases)('forms bind a UI schema to an operation, through the fusio-sdk ($kind)', (database) => {
  let h: Harness;
  let operationId: number;
  let otherOperationId: number;

  beforeAll(async () => {
    h = await startHarness(database);
    const backend = h.admin.backend();
    await backend.schema().create({
      name: 'Address',
      source: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    await backend.schema().create({
      name: 'Contact',
      source: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 2 },
          topic: { type: 'string', enum: ['sales', 'support'] },
          address: { $ref: 'Address' },
        },
        required: ['name'],
      },
    });
    await backend.action().create({
      name: 'contact-received',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { statusCode: 201, response: '{"received": true}' },
    });
    const op = await backend.operation().create({
      name: 'contact.create',
      httpMethod: 'POST',
      httpPath: '/contact',
      incoming: 'Contact',
      action: 'contact-received',
      public: true,
    });
    operationId = Number(op.id);
    const other = await backend.operation().create({
      name: 'contact.ping',
      httpMethod: 'POST',
      httpPath: '/contact/ping',
      action: 'contact-received',
      public: true,
    });
    otherOperationId = Number(other.id);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the admin creates, reads, lists, changes and deletes a form', async () => {
    const forms = h.admin.backend().form();
    const created = await forms.create({
      name: 'Contact-Us',
      operationId,
      uiSchema: { name: { 'ui:help': 'Your full name' }, 'ui:order': ['name', 'topic', 'address'] },
      metadata: { section: 'support' },
    });
    expect(created).toMatchObject({ success: true, message: 'Form successfully created' });
    const id = Number(created.id);
    expect(await forms.get(String(id))).toEqual({
      id,
      status: 1,
      name: 'Contact-Us',
      operationId,
      uiSchema: { name: { 'ui:help': 'Your full name' }, 'ui:order': ['name', 'topic', 'address'] },
      metadata: { section: 'support' },
    });
    expect((await forms.get('~Contact-Us')).id).toBe(id);
    await forms.create({ name: 'Ping', operationId: otherOperationId });
    const all = await forms.getAll(0, 16);
    expect(all.totalResults).toBe(2);
    expect(all.entry?.[0]).not.toHaveProperty('uiSchema');
    expect((await forms.getAll(0, 16, 'contact')).entry?.map((f) => f.name)).toEqual(['Contact-Us']);

    await forms.update(String(id), { uiSchema: { name: { 'ui:placeholder': 'Ada Lovelace' } } });
    const changed = await forms.get(String(id));
    expect(changed.uiSchema).toEqual({ name: { 'ui:placeholder': 'Ada Lovelace' } });
    expect(changed.name).toBe('Contact-Us');
    expect(changed.metadata).toEqual({ section: 'support' });

    const ping = await forms.get('~Ping');
    expect(await forms.delete(String(ping.id))).toMatchObject({ success: true, message: 'Form successfully deleted' });
    expect(await sdkError(forms.get(String(ping.id)))).toMatchObject({ message: 'Could not find form' });
  });

  it('refuses bad forms with a 400 or 409 and changes nothing', async () => {
    const forms = h.admin.backend().form();
    const before = await forms.getAll(0, 16);
    expect((await sdkError(forms.create({ name: 'No-Operation' }))).message).toMatch(/operationId/);
    expect((await sdkError(forms.create({ name: 'Missing', operationId: 999_999 }))).message).toBe(
      'Could not find operation 999999',
    );
    // a platform operation (the backend's own) is no form's target
    const platformOp = await h.portico.platform.db
      .selectFrom('operations')
      .select('id')
      .where('name', '=', 'backend.user.create')
      .executeTakeFirstOrThrow();
    expect((await sdkError(forms.create({ name: 'Sneaky', operationId: platformOp.id }))).message).toBe(
      `Could not find operation ${platformOp.id}`,
    );
    expect((await sdkError(forms.create({ name: 'Bad-Ui', operationId, uiSchema: [1, 2] }))).message).toBe(
      'Form uiSchema must be a JSON object',
    );
    expect((await sdkError(forms.create({ name: 'a/b', operationId }))).message).toMatch(/Invalid form name/);
    expect(await sdkError(forms.create({ name: 'Contact-Us', operationId }))).toMatchObject({
      message: 'Form already exists',
    });
    const token = await h.adminToken();
    const res = await jsonRequest(h, 'POST', '/backend/form', token, { name: 'Typed', operationId: 'one' });
    expect(res.status).toBe(400);
    expect(await forms.getAll(0, 16)).toEqual(before);
  });

  it('developers (and anonymous visitors) get the form with the resolved JSON Schema, and submit it', async () => {
    const anonymous = h.anonymous().consumer().form();
    const listed = await anonymous.getAll(0, 16);
    expect(listed.entry?.map((f) => f.name)).toEqual(['Contact-Us']);
    const form = await anonymous.get('~Contact-Us');
    expect(form).toMatchObject({
      name: 'Contact-Us',
      action: `${h.baseUrl}/contact`,
      method: 'POST',
      uiSchema: { name: { 'ui:placeholder': 'Ada Lovelace' } },
      metadata: { section: 'support' },
    });
    expect(form.jsonSchema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2 },
        topic: { type: 'string', enum: ['sales', 'support'] },
        address: { $ref: '#/$defs/Address' },
      },
      required: ['name'],
      $defs: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    });
    expect(await anonymous.get(String(form.id))).toEqual(form);
    expect(await sdkError(anonymous.get('Contact-Us'))).toMatchObject({ message: 'Could not find form' });

    const developer = await loggedInDeveloper(h, 'forms');
    expect((await developer.client.consumer().form().get('~Contact-Us')).action).toBe(form.action);
    const sent = await jsonRequest(h, form.method as string, '/contact', developer.token, {
      name: 'Ada',
      address: { city: 'London' },
    });
    expect(sent.status).toBe(201);
    const refused = await jsonRequest(h, 'POST', '/contact', developer.token, { name: 'A', address: {} });
    expect(refused.status).toBe(400);
  });

  it('a form whose operation is gone is listed nowhere; a deleted form is not found', async () => {
    const backend = h.admin.backend();
    await backend.form().create({ name: 'Orphan', operationId: otherOperationId });
    expect((await h.anonymous().consumer().form().getAll()).entry?.map((f) => f.name)).toContain('Orphan');
    await backend.operation().delete(String(otherOperationId));
    expect((await h.anonymous().consumer().form().getAll()).entry?.map((f) => f.name)).toEqual(['Contact-Us']);
    expect(await sdkError(h.anonymous().consumer().form().get('~Orphan'))).toMatchObject({
      message: 'Could not find form',
    });
    await backend.form().delete('~Orphan');
    expect(await sdkError(h.anonymous().consumer().form().get('~Orphan'))).toMatchObject({
      message: 'Could not find form',
    });
  });

  it('the backup carries forms, with their operation by name, into another installation', async () => {
    const backup = await h.admin.backend().backup().export();
    expect(backup.export).toContain('forms:');
    expect(backup.export).toMatch(/operation: contact\.create/);
    const other = await startHarness(database);
    try {
      await other.admin.backend().backup().import({ import: backup.export });
      const form = await other.admin.backend().form().get('~Contact-Us');
      const operation = await other.admin.backend().operation().get('~contact.create');
      expect(form).toMatchObject({
        operationId: operation.id,
        uiSchema: { name: { 'ui:placeholder': 'Ada Lovelace' } },
        metadata: { section: 'support' },
      });
    } finally {
      await other.close();
    }
  });
});
