import { CommonMessageException } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { requireService } from './support/services.js';

const databases = await systemDatabases();
const rabbit = await requireService('RabbitMQ', '127.0.0.1', 5672);

const staticClass = 'Fusio.Adapter.Util.Action.UtilStaticResponse';

async function sdkError(promise: Promise<unknown>): Promise<{ success?: boolean; message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

describe.each(databases)("config values as Fusio's forms send them, through the fusio-sdk ($kind)", (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('accepts a status code as text, stores and shows it as a number, and serves with it', async () => {
    const backend = h.admin.backend();
    const created = await backend.action().create({
      name: 'teapot',
      class: staticClass,
      config: { statusCode: '418', response: '{"short":"and stout"}', headers: { 'X-Count': '1' } },
    });
    expect(created.success).toBe(true);
    const action = await backend.action().get('~teapot');
    expect(action.config).toEqual({
      statusCode: 418,
      response: '{"short":"and stout"}',
      headers: { 'X-Count': '1' },
    });

    await backend
      .operation()
      .create({ name: 'teapot.get', httpMethod: 'GET', httpPath: '/teapot', action: 'teapot', public: true });
    const res = await h.fetch('/teapot');
    expect(res.status).toBe(418);
    expect(res.headers.get('x-count')).toBe('1');
    expect(await res.json()).toEqual({ short: 'and stout' });
  });

  it('drops an empty number input, so the default applies', async () => {
    const backend = h.admin.backend();
    await backend
      .action()
      .create({ name: 'plain', class: staticClass, config: { statusCode: '', response: '{"ok":true}' } });
    expect((await backend.action().get('~plain')).config).toEqual({ response: '{"ok":true}' });
  });

  it('refuses text that is no number with a 400 naming the field, and changes nothing', async () => {
    const backend = h.admin.backend();
    const refused = await sdkError(
      backend.action().update('~teapot', {
        name: 'teapot',
        class: staticClass,
        config: { statusCode: 'abc', response: '{}' },
      }),
    );
    expect(refused.success).toBe(false);
    expect(refused.message).toMatch(/\/statusCode must be integer/);
    expect((await backend.action().get('~teapot')).config?.statusCode).toBe(418);
    expect((await h.fetch('/teapot')).status).toBe(418);

    const created = await sdkError(
      backend.action().create({ name: 'bad', class: staticClass, config: { statusCode: '200.5', response: '{}' } }),
    );
    expect(created.message).toMatch(/\/statusCode must be integer/);
    const names = (await backend.action().getAll(0, 100)).entry?.map((a) => a.name);
    expect(names).not.toContain('bad');
  });

  it('does not turn a number into text where the schema wants a string', async () => {
    const refused = await sdkError(
      h.admin
        .backend()
        .action()
        .create({ name: 'numbered', class: staticClass, config: { headers: { 'X-Count': 1 }, response: '{}' } }),
    );
    expect(refused.message).toMatch(/\/headers\/X-Count must be string/);
  });

  it.skipIf(!rabbit)('accepts an AMQP port and booleans as text and shows them typed', async () => {
    const backend = h.admin.backend();
    const created = await backend.connection().create({
      name: 'rabbit',
      class: 'Fusio.Adapter.Amqp.Connection.Amqp',
      config: { host: '127.0.0.1', port: '5672', user: 'guest', password: 'guest' },
    });
    expect(created.success).toBe(true);
    const connection = await backend.connection().get('~rabbit');
    expect(connection.config).toMatchObject({ host: '127.0.0.1', port: 5672, password: '********' });

    const wrongPort = await sdkError(
      backend.connection().update('~rabbit', {
        name: 'rabbit',
        class: 'Fusio.Adapter.Amqp.Connection.Amqp',
        config: { host: '127.0.0.1', port: 'fifty', user: 'guest', password: '********' },
      }),
    );
    expect(wrongPort.message).toMatch(/\/port must be integer/);
    expect((await backend.connection().get('~rabbit')).config?.port).toBe(5672);

    for (const [text, typed] of [
      ['false', false],
      ['true', true],
      ['0', false],
      ['1', true],
    ] as const) {
      const name = `publish-${text}`;
      await backend.action().create({
        name,
        class: 'Fusio.Adapter.Amqp.Action.AmqpPublish',
        config: { connection: 'rabbit', queue: 'portico_form_values', declare: text },
      });
      expect((await backend.action().get(`~${name}`)).config?.declare).toBe(typed);
    }
    const notBoolean = await sdkError(
      backend.action().create({
        name: 'publish-maybe',
        class: 'Fusio.Adapter.Amqp.Action.AmqpPublish',
        config: { connection: 'rabbit', queue: 'portico_form_values', declare: 'maybe' },
      }),
    );
    expect(notBoolean.message).toMatch(/\/declare must be boolean/);
  });

  it('accepts the text of a boolean setting', async () => {
    const config = h.admin.backend().config();
    await config.update('~app_approval', { value: 'true' as unknown as boolean });
    expect((await config.get('~app_approval')).value).toBe(true);
    await config.update('~app_approval', { value: 'false' as unknown as boolean });
    expect((await config.get('~app_approval')).value).toBe(false);
    const refused = await sdkError(config.update('~app_approval', { value: 'maybe' as unknown as boolean }));
    expect(refused.message).toMatch(/app_approval must be a boolean/);
  });
});
