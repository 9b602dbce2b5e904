import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerClient, newDeveloper, sdkError, signUp, tokenFromLink } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

const databases = await systemDatabases();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe.each(databases)('a developer signs up, logs in and resets the password ($kind)', (database) => {
  let h: Harness;
  let inbox: SmtpInbox;

  const post = (path: string, body: unknown, method = 'POST') =>
    h.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const mailsTo = (email: string) => inbox.mails.filter((m) => m.to.includes(email));

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    h = await startHarness(database, { MAILER_URL: inbox.mailerUrl });
  });
  afterAll(async () => {
    await h?.close();
    await inbox?.close();
  });

  it('registers, follows the activation mail, logs in with the SDK and reads the account', async () => {
    const dev = newDeveloper('reg');
    const anonymous = h.anonymous().consumer().account();
    const registered = await anonymous.register({ name: dev.name, email: dev.email, password: dev.password });
    expect(registered).toEqual({ success: true, message: 'Registration successful' });

    // not active before the mail is followed, and only the password holder learns why
    expect(await sdkError(anonymous.login({ username: dev.name, password: dev.password }))).toMatchObject({
      success: false,
      message: 'This account is not active',
    });

    const mail = await inbox.waitFor((m) => m.to.includes(dev.email));
    expect(mail.subject).toBe('Portico registration');
    expect(mail.from).toBe('portico@example.com');
    expect(mail.text).toContain(`Hello ${dev.name},`);
    expect(mail.text).toContain(`${h.baseUrl}/apps/developer/register/activate/`);
    const token = tokenFromLink(mail, 'register/activate');

    // stored as a digest, never as the token itself
    const stored = await h.portico.platform.db
      .selectFrom('account_tokens')
      .innerJoin('users', 'users.id', 'account_tokens.user_id')
      .select(['account_tokens.token_hash', 'account_tokens.expire', 'account_tokens.created_at'])
      .where('users.name', '=', dev.name)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect((stored[0]?.expire ?? 0) - (stored[0]?.created_at ?? 0)).toBe(24 * 60 * 60 * 1000);

    expect(await anonymous.activate({ token })).toEqual({ success: true, message: 'Activation successful' });
    // single use
    expect(await sdkError(anonymous.activate({ token }))).toMatchObject({ message: 'Invalid or expired token' });
    expect(await sdkError(anonymous.activate({ token: 'x'.repeat(43) }))).toMatchObject({
      message: 'Invalid or expired token',
    });

    const jwt = await h.anonymous().consumer().account().login({ username: dev.email, password: dev.password });
    expect(jwt.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(jwt.refresh_token).toBeTruthy();
    expect(jwt.expires_in).toBeGreaterThan(0);
    expect(jwt.scope?.split(',')).toEqual(expect.arrayContaining(['consumer', 'authorization']));
    expect(jwt.scope?.split(',')).not.toContain('backend');

    const account = await bearerClient(h, jwt.token as string)
      .consumer()
      .account()
      .get();
    expect(account).toMatchObject({ name: dev.name, email: dev.email, status: 1 });
    expect(account.scopes).toEqual(expect.arrayContaining(['consumer']));

    // the consumer token does not open the backend
    const backend = await h.fetch('/backend/user', { headers: { authorization: `Bearer ${jwt.token}` } });
    expect(backend.status).toBe(403);
  });

  it('refreshes a login once; the used refresh token and the old access token stop working', async () => {
    const dev = await signUp(h, inbox, 'ref');
    const first = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
    const second = await h.anonymous().consumer().account().refresh({ refresh_token: first.refresh_token });
    expect(second.token).toBeTruthy();
    expect(second.token).not.toBe(first.token);
    expect(second.scope).toBe(first.scope);
    expect(
      await bearerClient(h, second.token as string)
        .consumer()
        .account()
        .get(),
    ).toMatchObject({ name: dev.name });
    expect(
      await sdkError(h.anonymous().consumer().account().refresh({ refresh_token: first.refresh_token })),
    ).toMatchObject({ message: 'Invalid refresh token' });
    const old = await h.fetch('/consumer/account', { headers: { authorization: `Bearer ${first.token}` } });
    expect(old.status).toBe(401);
  });

  it('resets a forgotten password by mail; the link works once and old sessions end', async () => {
    const dev = await signUp(h, inbox, 'pw');
    const account = h.anonymous().consumer().account();
    const requested = await account.requestPasswordReset({ email: dev.email });
    expect(requested.success).toBe(true);
    const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/password/confirm/'));
    expect(mail.subject).toBe('Portico password reset');
    const token = tokenFromLink(mail, 'password/confirm');

    // a password that breaks the rules does not use up the link
    expect(await sdkError(account.executePasswordReset({ token, newPassword: 'short' }))).toMatchObject({
      message: 'Password must have at least 8 characters',
    });
    const newPassword = 'a-brand-new-password';
    expect(await account.executePasswordReset({ token, newPassword })).toEqual({
      success: true,
      message: 'Password successfully changed',
    });
    expect(await sdkError(account.executePasswordReset({ token, newPassword: 'another-password-1' }))).toMatchObject({
      message: 'Invalid or expired token',
    });

    expect(await sdkError(account.login({ username: dev.name, password: dev.password }))).toMatchObject({
      message: 'Invalid name or password',
    });
    const jwt = await account.login({ username: dev.name, password: newPassword });
    expect(jwt.token).toBeTruthy();
    const oldSession = await h.fetch('/consumer/account', { headers: { authorization: `Bearer ${dev.token}` } });
    expect(oldSession.status).toBe(401);
  });

  it('does not tell whether an email has an account: register and reset answer the same, in about the same time', async () => {
    const known = await signUp(h, inbox, 'known');

    // sign-up with a known email: same status and body as a fresh one, and still one account
    const fresh = newDeveloper('fresh');
    const freshRes = await post('/consumer/register', fresh);
    const dupRes = await post('/consumer/register', { ...newDeveloper('dup'), email: known.email });
    expect(dupRes.status).toBe(freshRes.status);
    expect(await dupRes.json()).toEqual(await freshRes.json());
    const owners = await h.portico.platform.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', known.email)
      .execute();
    expect(owners).toHaveLength(1);
    // the owner of the address hears about it; the stranger learns nothing
    const notice = await inbox.waitFor((m) => m.to.includes(known.email) && m.text.includes('already has an account'));
    expect(notice.text).not.toContain('/register/activate/');

    // reset for an unknown email: same status and body as for a known one, and no mail anywhere
    const unknownEmail = `nobody-${Date.now()}@example.com`;
    const knownReset = await post('/consumer/password_reset', { email: known.email });
    const unknownReset = await post('/consumer/password_reset', { email: unknownEmail });
    expect(unknownReset.status).toBe(knownReset.status);
    expect(await unknownReset.json()).toEqual(await knownReset.json());
    await h.portico.platform.events.settled();
    expect(mailsTo(unknownEmail)).toHaveLength(0);
    expect(mailsTo(known.email).filter((m) => m.text.includes('/password/confirm/'))).toHaveLength(1);

    // timing: a password hash on both sign-up paths, nothing but validation on the reset request path
    const timed = async (path: string, body: () => unknown) => {
      const start = performance.now();
      const res = await post(path, body());
      await res.arrayBuffer();
      return performance.now() - start;
    };
    const newEmails: number[] = [];
    const knownEmails: number[] = [];
    for (let i = 0; i < 5; i++) {
      newEmails.push(await timed('/consumer/register', () => newDeveloper('t')));
      knownEmails.push(await timed('/consumer/register', () => ({ ...newDeveloper('t'), email: known.email })));
    }
    const ratio = median(knownEmails) / median(newEmails);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);

    const resetKnown: number[] = [];
    const resetUnknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      resetKnown.push(await timed('/consumer/password_reset', () => ({ email: known.email })));
      resetUnknown.push(await timed('/consumer/password_reset', () => ({ email: `x${i}-${unknownEmail}` })));
    }
    expect(Math.abs(median(resetKnown) - median(resetUnknown))).toBeLessThan(30);
    await h.portico.platform.events.settled();
  });

  it('refuses the 6th login attempt in a row with 429, even with the right password, also at the token endpoint', async () => {
    const dev = await signUp(h, inbox, 'thr');
    for (let i = 0; i < 5; i++) {
      const res = await post('/consumer/login', { username: dev.name, password: `wrong-${i}` });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ message: 'Invalid name or password' });
    }
    const blocked = await post('/consumer/login', { username: dev.name, password: dev.password });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await blocked.json()).toMatchObject({ success: false });
    // the same account by its email, and through OAuth2 client credentials
    expect((await post('/consumer/login', { username: dev.email, password: dev.password })).status).toBe(429);
    const oauth = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${dev.name}:${dev.password}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(oauth.status).toBe(429);

    // guessing at the token endpoint is throttled the same way
    const other = await signUp(h, inbox, 'thr2');
    const basic = (password: string) =>
      h.fetch('/authorization/token', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${other.name}:${password}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    for (let i = 0; i < 5; i++) expect((await basic(`wrong-${i}`)).status).toBe(401);
    expect((await basic(other.password)).status).toBe(429);

    // an unknown name is throttled like a known one, and other accounts from the same address still log in
    for (let i = 0; i < 5; i++) await post('/consumer/login', { username: 'no-such-user', password: 'x' });
    expect((await post('/consumer/login', { username: 'no-such-user', password: 'x' })).status).toBe(429);
    expect(await h.adminToken()).toBeTruthy();
  });
});
