import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDeveloper, sdkError, signUp, startCaptchaStandIn, tokenFromLink } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

// how sign-up is configured does not depend on the system database: SQLite is enough here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

describe.skipIf(!sqlite)('admins decide how developers sign up; developers manage their account', () => {
  let h: Harness;
  let inbox: SmtpInbox;

  const post = (path: string, body: unknown, method = 'POST') =>
    h.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const setConfig = (name: string, value: unknown) =>
    h.admin
      .backend()
      .config()
      .update(`~${name}`, { value } as never);
  const mailsTo = (email: string) => inbox.mails.filter((m) => m.to.includes(email));

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { MAILER_URL: inbox.mailerUrl });
  });
  afterAll(async () => {
    await h?.close();
    await inbox?.close();
  });

  it('changes the email and the password of the own account', async () => {
    const dev = await signUp(h, inbox, 'acc');
    const account = dev.client.consumer().account();
    const newEmail = `NEW-${dev.email}`;
    expect(await account.update({ email: newEmail })).toMatchObject({ success: true });
    expect(await account.get()).toMatchObject({ email: newEmail.toLowerCase() });

    expect(
      await sdkError(
        account.changePassword({ oldPassword: 'not-it', newPassword: 'x-new-pass-1', verifyPassword: 'x-new-pass-1' }),
      ),
    ).toMatchObject({ message: 'Old password does not match' });
    expect(
      await account.changePassword({
        oldPassword: dev.password,
        newPassword: 'x-new-pass-1',
        verifyPassword: 'x-new-pass-1',
      }),
    ).toMatchObject({ success: true });
    // the session that changed it keeps working
    expect(await account.get()).toMatchObject({ name: dev.name });
    const jwt = await h.anonymous().consumer().account().login({ username: newEmail, password: 'x-new-pass-1' });
    expect(jwt.token).toBeTruthy();
  });

  it('keeps new accounts disabled under admin approval until an admin activates them', async () => {
    await setConfig('user_admin_approval', true);
    try {
      const dev = newDeveloper('adm');
      await h.anonymous().consumer().account().register(dev);
      expect(
        await sdkError(h.anonymous().consumer().account().login({ username: dev.name, password: dev.password })),
      ).toMatchObject({ message: 'This account is not active' });
      await h.portico.platform.events.settled();
      expect(mailsTo(dev.email)).toHaveLength(0);
      const users = await h.admin.backend().user().getAll(0, 16, dev.name);
      const id = users.entry?.[0]?.id;
      expect(users.entry?.[0]).toMatchObject({ name: dev.name, status: 2 });
      await h.admin.backend().user().update(String(id), { status: 1 });
      const jwt = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
      expect(jwt.token).toBeTruthy();
    } finally {
      await setConfig('user_admin_approval', false);
    }
  });

  it('lets an admin resend the activation mail; only the newest link works', async () => {
    const dev = newDeveloper('resend');
    await h.anonymous().consumer().account().register(dev);
    const first = await inbox.waitFor((m) => m.to.includes(dev.email));
    const users = await h.admin.backend().user().getAll(0, 16, dev.name);
    const id = String(users.entry?.[0]?.id);
    expect(await h.admin.backend().user().resend(id, {})).toMatchObject({
      success: true,
      message: 'Activation mail was successfully resent',
    });
    const second = await inbox.waitFor((m) => m.to.includes(dev.email) && m !== first);
    const account = h.anonymous().consumer().account();
    expect(await sdkError(account.activate({ token: tokenFromLink(first, 'register/activate') }))).toMatchObject({
      message: 'Invalid or expired token',
    });
    expect(await account.activate({ token: tokenFromLink(second, 'register/activate') })).toMatchObject({
      success: true,
    });
    expect((await sdkError(h.admin.backend().user().resend('999999', {}))).success).toBe(false);
  });

  it('opens accounts at once when user_approval is off', async () => {
    await setConfig('user_approval', false);
    try {
      const dev = newDeveloper('open');
      await h.anonymous().consumer().account().register(dev);
      const jwt = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
      expect(jwt.token).toBeTruthy();
      await h.portico.platform.events.settled();
      expect(mailsTo(dev.email)).toHaveLength(0);
    } finally {
      await setConfig('user_approval', true);
    }
  });

  it('asks the captcha service when a captcha secret is set', async () => {
    const standIn = await startCaptchaStandIn('captcha-secret');
    await setConfig('recaptcha_verify_url', standIn.url);
    await setConfig('recaptcha_secret', 'captcha-secret');
    try {
      const account = h.anonymous().consumer().account();
      const dev = newDeveloper('cap');
      expect(await sdkError(account.register(dev))).toMatchObject({ message: 'Invalid captcha' });
      expect(await sdkError(account.register({ ...dev, captcha: 'fail' }))).toMatchObject({
        message: 'Invalid captcha',
      });
      expect(await account.register({ ...dev, captcha: 'pass' })).toMatchObject({ success: true });
      expect(await sdkError(account.requestPasswordReset({ email: dev.email }))).toMatchObject({
        message: 'Invalid captcha',
      });
      const asked = standIn.requests.at(-1);
      expect(asked?.get('secret')).toBe('captcha-secret');
      expect(asked?.get('remoteip')).toBe('127.0.0.1');
      await standIn.close();
      // the verifier being down is the server's problem, not the user's
      const down = await post('/consumer/register', { ...newDeveloper('cap'), captcha: 'pass' });
      expect(down.status).toBe(503);
    } finally {
      await setConfig('recaptcha_secret', '');
      await standIn.close().catch(() => {});
    }
    expect((await post('/consumer/register', newDeveloper('nocap'))).status).toBe(200);
  });

  it('refuses bad sign-ups with a clear 400 or 409 and creates nothing', async () => {
    const dev = await signUp(h, inbox, 'bad');
    const count = async () =>
      Number(
        (
          await h.portico.platform.db
            .selectFrom('users')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const cases: [unknown, number, string][] = [
      [{ ...newDeveloper(), name: 'a' }, 400, 'Invalid user name'],
      [{ ...newDeveloper(), email: 'not-an-email' }, 400, 'Invalid email format'],
      [{ ...newDeveloper(), password: 'short' }, 400, 'Password must have at least 8 characters'],
      [{ ...newDeveloper(), name: dev.name }, 409, 'User name already exists'],
      [{ email: 'x@example.com', password: 'long-enough-1' }, 400, 'No username was provided'],
    ];
    for (const [body, status, text] of cases) {
      const res = await post('/consumer/register', body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { message: string }).message).toContain(text);
    }
    expect(await count()).toBe(before);
  });

  it('sends the mail templates admins set through /backend/config, with their placeholders filled', async () => {
    const subject = await h.admin.backend().config().get('~mail_register_subject');
    const body = await h.admin.backend().config().get('~mail_register_body');
    await setConfig('mail_register_subject', 'Welcome {name}');
    await setConfig('mail_register_body', 'Dear {name} <{email}>: open {apps_url}/activate?t={token}');
    try {
      const dev = newDeveloper('tpl');
      await h.anonymous().consumer().account().register(dev);
      const mail = await inbox.waitFor((m) => m.to.includes(dev.email));
      expect(mail.subject).toBe(`Welcome ${dev.name}`);
      const token = /activate\?t=([\w-]+)/.exec(mail.text)?.[1] ?? '';
      expect(mail.text.trim()).toBe(`Dear ${dev.name} <${dev.email}>: open ${h.baseUrl}/apps/activate?t=${token}`);
      expect(await h.anonymous().consumer().account().activate({ token })).toMatchObject({ success: true });
    } finally {
      await setConfig('mail_register_subject', subject.value);
      await setConfig('mail_register_body', body.value);
    }
  });

  it('answers 502 when the mail server is down for an admin resend, and keeps signing people up', async () => {
    const dev = newDeveloper('down');
    await h.anonymous().consumer().account().register(dev);
    await inbox.waitFor((m) => m.to.includes(dev.email));
    await inbox.close();
    const users = await h.admin.backend().user().getAll(0, 16, dev.name);
    const res = await h.fetch(`/backend/user/${users.entry?.[0]?.id}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ success: false, message: expect.stringContaining('mail server') });
    // sign-up mails go out in the background: the answer does not depend on the mail server
    expect((await post('/consumer/register', newDeveloper('down'))).status).toBe(200);
    expect((await h.fetch('/consumer/account', {})).status).toBe(401);
  });
});
