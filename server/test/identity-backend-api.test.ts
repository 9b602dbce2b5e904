import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();

const githubClass = 'Fusio.Impl.Provider.Identity.Github';
const secret = 'github-secret-that-must-never-leave-0123';

describe.each(databases)('administrators manage identity providers with the fusio-sdk ($kind)', (database) => {
  let h: Harness;
  let appId: number;
  let roleId: number;

  beforeAll(async () => {
    h = await startHarness(database);
    const db = h.portico.platform.db;
    const admin = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
    const app = await h.admin
      .backend()
      .app()
      .create({ userId: admin.id, status: 1, name: 'portal', url: 'https://portal.example.com', scopes: [] });
    appId = Number(app.id);
    roleId = (await db.selectFrom('roles').select('id').where('name', '=', 'Consumer').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const identities = () => h.admin.backend().identity();
  const storedRow = (id: number) =>
    h.portico.platform.db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('lists the provider classes under Fusio class names and renders their config forms', async () => {
    expect(await identities().getClasses()).toEqual({
      providers: [
        { name: 'Github', class: githubClass },
        { name: 'Google', class: 'Fusio.Impl.Provider.Identity.Google' },
        { name: 'Open-ID-Connect', class: 'Fusio.Impl.Provider.Identity.OpenIDConnect' },
      ],
    });
    const form = await identities().getForm(githubClass);
    expect(form.element?.map((e) => e.name)).toEqual([
      'client_id',
      'client_secret',
      'authorization_uri',
      'token_uri',
      'user_info_uri',
    ]);
    expect(form.element?.[0]).toMatchObject({ element: 'input', name: 'client_id', title: 'Client-ID' });
    // Fusio's PHP spelling of the class works too
    const oidcForm = await identities().getForm('Fusio\\Impl\\Provider\\Identity\\OpenIDConnect');
    expect(oidcForm.element?.map((e) => e.name)).toEqual(['client_id', 'client_secret', 'issuer', 'scope']);
    expect(await sdkError(identities().getForm('Fusio.Impl.Provider.Identity.Myspace'))).toMatchObject({
      success: false,
    });
  });

  it('creates, reads, updates and deletes an identity; the client secret is encrypted and never shown', async () => {
    const created = await identities().create({
      appId,
      roleId,
      name: 'GitHub',
      class: githubClass,
      config: { client_id: 'github-key', client_secret: secret },
    });
    expect(created).toMatchObject({ success: true, message: 'Identity successfully created' });
    const id = Number(created.id);

    const entity = await identities().get(String(id));
    expect(entity).toMatchObject({
      id,
      appId,
      roleId,
      name: 'GitHub',
      icon: 'bi-github',
      class: githubClass,
      allowCreate: true,
      config: {
        client_id: 'github-key',
        client_secret: '********',
        authorization_uri: 'https://github.com/login/oauth/authorize',
        token_uri: 'https://github.com/login/oauth/access_token',
        user_info_uri: 'https://api.github.com/user',
      },
    });
    expect(await identities().get('~GitHub')).toEqual(entity);
    const all = await identities().getAll(0, 16, 'git');
    expect(all.totalResults).toBe(1);
    expect(all.entry?.[0]).toMatchObject({ id, name: 'GitHub', class: githubClass });
    expect(all.entry?.[0]?.config).toBeUndefined();

    // at rest: encrypted with the platform's key, like connection credentials
    const row = await storedRow(id);
    expect(row.config).toMatch(/^enc:v1:/);
    expect(row.config).not.toContain(secret);
    expect(h.portico.platform.connections.configOf(row).client_secret).toBe(secret);
    // and the audit log of the change has it masked
    const audits = await h.portico.platform.db.selectFrom('audits').select('content').execute();
    expect(audits.map((a) => a.content ?? '').join('\n')).not.toContain(secret);

    // sending the mask back keeps the secret; Fusio's extra fields are accepted and dropped
    const updated = await identities().update(String(id), {
      name: 'GitHub-Login',
      allowCreate: false,
      icon: 'bi-octocat',
      config: { ...entity.config, client_id: 'github-key-2', name_property: 'login' },
    });
    expect(updated).toMatchObject({ success: true, message: 'Identity successfully updated', id: String(id) });
    const afterUpdate = await storedRow(id);
    expect(afterUpdate).toMatchObject({ name: 'GitHub-Login', allow_create: 0, icon: 'bi-octocat' });
    expect(h.portico.platform.connections.configOf(afterUpdate)).toEqual({
      client_id: 'github-key-2',
      client_secret: secret,
      authorization_uri: 'https://github.com/login/oauth/authorize',
      token_uri: 'https://github.com/login/oauth/access_token',
      user_info_uri: 'https://api.github.com/user',
    });
    await identities().update('~GitHub-Login', { config: { client_id: 'github-key-2', client_secret: 'rotated' } });
    expect(h.portico.platform.connections.configOf(await storedRow(id)).client_secret).toBe('rotated');

    expect(await identities().delete(String(id))).toMatchObject({ success: true, id: String(id) });
    expect(await sdkError(identities().get(String(id)))).toMatchObject({ message: 'Could not find identity' });
    expect((await h.anonymous().consumer().identity().getAll()).totalResults).toBe(0);
  });

  it('refuses bad identities with a clear 400 and stores nothing', async () => {
    const base = {
      appId,
      name: 'oidc',
      class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
      config: { client_id: 'c', client_secret: 's', issuer: 'https://login.example.com' },
    };
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ ...base, name: undefined }, 'Identity name must not be empty'],
      [{ ...base, name: 'a b' }, /^Invalid identity name/],
      [{ ...base, class: 'Fusio.Impl.Provider.Identity.Myspace' }, 'Provided an invalid identity class'],
      [{ ...base, appId: undefined }, 'Provided no app id'],
      [{ ...base, appId: 99999 }, 'Provided app does not exist'],
      [{ ...base, roleId: 99999 }, 'Provided role does not exist'],
      [{ ...base, config: { client_id: 'c', issuer: 'https://login.example.com' } }, /client_secret/],
      [
        { ...base, config: { ...base.config, issuer: 'http://login.example.com' } },
        'Identity config issuer must be an https URL (http is accepted for localhost only)',
      ],
      [{ ...base, config: { ...base.config, scope: 'profile email' } }, /scope/],
    ];
    for (const [body, expected] of cases) {
      const error = await sdkError(identities().create(body));
      expect(error.success).toBe(false);
      if (typeof expected === 'string') expect(error.message).toBe(expected);
      else expect(error.message).toMatch(expected);
    }
    expect((await identities().getAll()).totalResults).toBe(0);

    await identities().create(base);
    const duplicate = await h.fetch('/backend/identity', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(base),
    });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ success: false, message: 'Identity already exists' });
  });
});
