import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, sdkError, signUp } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

const databases = await systemDatabases();

interface CreatedApp {
  success: boolean;
  message: string;
  id: string;
  appKey: string;
  appSecret: string;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe.each(databases)('a developer manages apps and personal tokens ($kind)', (database) => {
  let h: Harness;
  let inbox: SmtpInbox;
  let dev: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;

  const setConfig = (name: string, value: unknown) =>
    h.admin
      .backend()
      .config()
      .update(`~${name}`, { value } as never);
  const appToken = (key: string, secret: string, scope?: string) =>
    h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
    });
  const bearerGet = (path: string, token: string) => h.fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const appCount = async (userName: string) =>
    Number(
      (
        await h.portico.platform.db
          .selectFrom('apps')
          .innerJoin('users', 'users.id', 'apps.user_id')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('users.name', '=', userName)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    h = await startHarness(database, { MAILER_URL: inbox.mailerUrl });
    dev = await signUp(h, inbox, 'apps');
    other = await signUp(h, inbox, 'other');
  });
  afterAll(async () => {
    await h?.close();
    await inbox?.close();
  });

  it('lists the scopes a developer may request, flat and by category', async () => {
    const scopes = await dev.client.consumer().scope().getAll(0, 1024);
    const names = scopes.entry?.map((s) => s.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['authorization', 'consumer', 'consumer.app', 'consumer.token']));
    expect(names.some((n) => n === 'backend' || n?.startsWith('backend.'))).toBe(false);
    expect(scopes.totalResults).toBe(names.length);

    const categories = await dev.client.consumer().scope().getCategories();
    const consumer = categories.categories?.find((c) => c.name === 'consumer');
    expect(consumer?.scopes?.map((s) => s.name)).toEqual(expect.arrayContaining(['consumer', 'consumer.app']));
    expect(categories.categories?.some((c) => c.name === 'backend')).toBe(false);
    expect(categories.categories?.every((c) => (c.scopes?.length ?? 0) > 0)).toBe(true);
  });

  it('creates, reads, updates and deletes an own app within the own scopes', async () => {
    const apps = dev.client.consumer().app();
    const created = (await apps.create({
      name: 'Weather App',
      url: 'https://weather.example.com',
      scopes: ['consumer.app'],
    })) as CreatedApp;
    expect(created).toMatchObject({ success: true, message: 'App successfully created' });
    expect(created.appKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.appSecret).toMatch(/^[0-9a-f]{64}$/);
    const id = created.id;

    const app = await apps.get(id);
    expect(app).toMatchObject({ id: Number(id), name: 'Weather App', status: 1, appKey: created.appKey });
    expect(app.scopes).toEqual(['authorization', 'consumer.app']);
    expect(app).not.toHaveProperty('appSecret');
    const stored = await h.portico.platform.db
      .selectFrom('apps')
      .select('app_secret')
      .where('id', '=', Number(id))
      .executeTakeFirstOrThrow();
    expect(stored.app_secret).not.toBe(created.appSecret);

    // more than the developer holds is refused, not trimmed, and nothing is created
    const before = await appCount(dev.name);
    expect(await sdkError(apps.create({ name: 'Greedy App', scopes: ['consumer.app', 'backend'] }))).toMatchObject({
      message: 'You may not request the scope backend',
    });
    expect(await sdkError(apps.create({ name: 'Unknown Scope', scopes: ['no-such-scope'] }))).toMatchObject({
      message: 'You may not request the scope no-such-scope',
    });
    expect(await appCount(dev.name)).toBe(before);

    // the app's credentials get a token limited to the app's scopes
    const tokenRes = await appToken(created.appKey, created.appSecret);
    expect(tokenRes.status).toBe(200);
    const issued = (await tokenRes.json()) as { access_token: string; scope: string };
    expect(issued.scope.split(',').sort()).toEqual(['authorization', 'consumer.app']);
    expect((await bearerGet('/consumer/app', issued.access_token)).status).toBe(200);
    expect((await bearerGet('/consumer/account', issued.access_token)).status).toBe(403);

    expect(
      await apps.update(id, { name: 'Weather App 2', scopes: ['consumer.app', 'consumer.account'] }),
    ).toMatchObject({
      success: true,
    });
    expect(await apps.get(id)).toMatchObject({
      name: 'Weather App 2',
      scopes: ['authorization', 'consumer.account', 'consumer.app'],
    });
    expect(await sdkError(apps.update(id, { scopes: ['backend.user'] }))).toMatchObject({
      message: 'You may not request the scope backend.user',
    });
    expect((await apps.get(id)).scopes).toEqual(['authorization', 'consumer.account', 'consumer.app']);

    // taking a scope away ends the tokens that carry it
    await apps.update(id, { scopes: ['consumer.account'] });
    expect((await bearerGet('/consumer/app', issued.access_token)).status).toBe(401);

    const list = await apps.getAll();
    expect(list.entry?.map((a) => a.name)).toContain('Weather App 2');
    expect(list.entry?.every((a) => a.userId === list.entry?.[0]?.userId)).toBe(true);

    expect(await apps.delete(id)).toMatchObject({ success: true, message: 'App successfully deleted' });
    expect((await sdkError(apps.get(id))).success).toBe(false);
    expect((await appToken(created.appKey, created.appSecret)).status).toBe(401);
  });

  it("keeps another developer's app out of reach: 404 for get, update and delete", async () => {
    const mine = (await dev.client.consumer().app().create({ name: 'Private App', scopes: [] })) as CreatedApp;
    const theirs = other.client.consumer().app();
    for (const ref of [mine.id, '~Private App']) {
      const res = await h.fetch(`/consumer/app/${encodeURIComponent(ref)}`, {
        headers: { authorization: `Bearer ${other.token}` },
      });
      expect(res.status).toBe(404);
    }
    expect(await sdkError(theirs.update(mine.id, { name: 'Stolen App' }))).toMatchObject({
      message: 'Could not find app',
    });
    expect(await sdkError(theirs.delete(mine.id))).toMatchObject({ message: 'Could not find app' });
    expect((await theirs.getAll()).entry?.some((a) => a.id === Number(mine.id))).toBe(false);
    expect(await dev.client.consumer().app().get(mine.id)).toMatchObject({ name: 'Private App' });
  });

  it('enforces consumer_max_apps and holds new apps for approval when app_approval is on', async () => {
    const apps = other.client.consumer().app();
    await setConfig('consumer_max_apps', 2);
    try {
      const existing = (await apps.getAll()).totalResults ?? 0;
      for (let i = existing; i < 2; i++) await apps.create({ name: `Filler ${i}` });
      expect((await sdkError(apps.create({ name: 'One Too Many' }))).message).toMatch(
        /^Maximal amount of apps reached/,
      );
    } finally {
      await setConfig('consumer_max_apps', 16);
    }

    await setConfig('app_approval', true);
    try {
      const pending = (await apps.create({ name: 'Needs Review', scopes: ['consumer.app'] })) as CreatedApp;
      expect(await apps.get(pending.id)).toMatchObject({ status: 2 });
      expect((await appToken(pending.appKey, pending.appSecret)).status).not.toBe(200);
      await h.admin.backend().app().update(pending.id, { status: 1 });
      expect((await appToken(pending.appKey, pending.appSecret)).status).toBe(200);
    } finally {
      await setConfig('app_approval', false);
    }
  });

  it('regenerates a lost secret: shown once, the old one and its tokens stop working, nobody else may', async () => {
    const created = (await dev.client
      .consumer()
      .app()
      .create({
        name: 'Rotated App',
        url: 'https://rotated.example.com',
        scopes: ['consumer.account'],
      })) as CreatedApp;
    const before = (await (await appToken(created.appKey, created.appSecret)).json()) as { access_token: string };
    expect((await bearerGet('/consumer/account', before.access_token)).status).toBe(200);
    const regenerate = (id: string, token: string) =>
      h.fetch(`/consumer/app/${id}/secret`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

    // someone else's app is not found; a token that holds less than the app cannot take it over
    expect((await regenerate(created.id, other.token)).status).toBe(404);
    const narrow = await dev.client
      .consumer()
      .token()
      .create({ name: 'apps only', scopes: ['consumer.app'], expire: inDays(1) });
    const refused = await regenerate(created.id, narrow.access_token as string);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('consumer.account');

    const answer = await regenerate(created.id, dev.token);
    expect(answer.status).toBe(200);
    const renewed = (await answer.json()) as CreatedApp;
    expect(renewed).toMatchObject({ success: true, id: created.id, appKey: created.appKey });
    expect(renewed.appSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(renewed.appSecret).not.toBe(created.appSecret);
    // the secret is not kept: reading the app never shows it
    expect(JSON.stringify(await dev.client.consumer().app().get(created.id))).not.toContain(renewed.appSecret);

    expect((await appToken(created.appKey, created.appSecret)).status).toBeGreaterThanOrEqual(400);
    expect((await appToken(created.appKey, renewed.appSecret)).status).toBe(200);
    // the token issued with the old secret is revoked
    await expect
      .poll(async () => (await bearerGet('/consumer/account', before.access_token)).status, { timeout: 3_000 })
      .toBe(401);
    // leave the developer's tokens as they were for the stories after this one
    const narrowToken = (await dev.client.consumer().token().getAll()).entry?.find((t) => t.name === 'apps only');
    await dev.client.consumer().token().delete(String(narrowToken?.id));
  });

  it('creates, uses, renews and deletes a personal access token', async () => {
    const tokens = dev.client.consumer().token();
    const created = await tokens.create({ name: 'ci', scopes: ['consumer.account'], expire: inDays(30) });
    expect(created.token_type).toBe('bearer');
    // the held scopes, the parent authorization followed by what it covers
    expect(created.scope?.split(',').filter((s) => !s.startsWith('authorization.'))).toEqual([
      'consumer.account',
      'authorization',
    ]);
    expect(created.expires_in).toBeGreaterThan(29 * 86_400);
    expect(created.expires_in).toBeLessThanOrEqual(30 * 86_400);
    const pat = created.access_token as string;

    expect(await bearerClient(h, pat).consumer().account().get()).toMatchObject({ name: dev.name });
    expect((await bearerGet('/consumer/app', pat)).status).toBe(403);

    const list = await tokens.getAll();
    expect(list.entry?.map((t) => t.name)).toEqual(['ci']);
    const id = String(list.entry?.[0]?.id);
    expect(await tokens.get(id)).toMatchObject({ name: 'ci', scopes: ['consumer.account', 'authorization'] });
    expect((await sdkError(other.client.consumer().token().get(id))).message).toBe('Could not find token');

    // renaming or moving the expiry replaces the token
    const renewed = await tokens.update(id, { name: 'ci-2', expire: inDays(60) });
    expect(renewed.access_token).toBeTruthy();
    expect(renewed.access_token).not.toBe(pat);
    expect(renewed.expires_in).toBeGreaterThan(59 * 86_400);
    expect((await bearerGet('/consumer/account', pat)).status).toBe(401);
    expect((await bearerGet('/consumer/account', renewed.access_token as string)).status).toBe(200);
    const renamed = await tokens.getAll();
    expect(renamed.entry?.map((t) => t.name)).toEqual(['ci-2']);

    expect(await sdkError(tokens.create({ name: 'admin', scopes: ['backend'], expire: inDays(1) }))).toMatchObject({
      message: 'You may not request the scope backend',
    });
    expect(await sdkError(tokens.create({ name: 'no-expiry', scopes: ['consumer'] }))).toMatchObject({
      message: 'No expire date provided',
    });
    expect(await sdkError(tokens.create({ name: 'past', scopes: ['consumer'], expire: inDays(-1) }))).toMatchObject({
      message: 'Expire must be in the future',
    });

    await setConfig('consumer_max_tokens', 1);
    try {
      expect((await sdkError(tokens.create({ name: 'second', expire: inDays(1) }))).message).toMatch(
        /^Maximal amount of tokens reached/,
      );
    } finally {
      await setConfig('consumer_max_tokens', 16);
    }

    const renewedId = String(renamed.entry?.[0]?.id);
    expect(await tokens.delete(renewedId)).toMatchObject({ success: true, message: 'Token successfully deleted' });
    expect((await bearerGet('/consumer/account', renewed.access_token as string)).status).toBe(401);
    expect((await sdkError(tokens.get(renewedId))).message).toBe('Could not find token');
    expect((await tokens.getAll()).totalResults).toBe(0);
  });

  it("lists the apps a developer authorized and withdraws a grant, which ends the app's tokens", async () => {
    const redirectUri = 'https://client.example/callback';
    const app = (await other.client
      .consumer()
      .app()
      .create({ name: 'Third Party', url: redirectUri, scopes: ['consumer.account'] })) as CreatedApp;
    const consent = await dev.client.consumer().account().authorize({
      responseType: 'code',
      clientId: app.appKey,
      redirectUri,
      scope: 'consumer.account',
      state: 'st4te',
      allow: true,
    });
    expect(consent).toMatchObject({ type: 'code', state: 'st4te' });
    const exchanged = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${app.appKey}:${app.appSecret}`).toString('base64')}` },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: consent.code ?? '',
        redirect_uri: redirectUri,
      }),
    });
    expect(exchanged.status).toBe(200);
    const { access_token: appToken } = (await exchanged.json()) as { access_token: string };
    expect(await bearerClient(h, appToken).consumer().account().get()).toMatchObject({ name: dev.name });

    const grants = await dev.client.consumer().grant().getAll();
    const grant = grants.entry?.find((g) => g.app?.name === 'Third Party');
    expect(grant).toMatchObject({ app: { id: Number(app.id), name: 'Third Party', url: redirectUri } });
    expect(grant?.createDate).toBeTruthy();
    const grantId = String(grant?.id);
    // the app's owner did not authorize it, and cannot withdraw the user's grant
    expect((await other.client.consumer().grant().getAll()).entry ?? []).toHaveLength(0);
    expect(await sdkError(other.client.consumer().grant().delete(grantId))).toMatchObject({
      message: 'Could not find grant',
    });

    expect(await dev.client.consumer().grant().delete(grantId)).toMatchObject({
      success: true,
      message: 'Grant successfully deleted',
    });
    expect((await bearerGet('/consumer/account', appToken)).status).toBe(401);
    expect((await dev.client.consumer().grant().getAll()).totalResults).toBe(0);
  });
});
