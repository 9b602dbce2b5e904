import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { adminEmail, type Harness, startHarness } from './support/harness.js';
import { backend, call, createConnection, createOperation } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';

const smtpClass = 'Fusio.Adapter.Smtp.Connection.Smtp';
const sendClass = 'Fusio.Adapter.Smtp.Action.SmtpSend';
const [database] = await systemDatabases();

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** The headers and (quoted-printable-decoded) body of a raw mail, as a reader would see them. */
function readable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

describe.runIf(database)('an operation sends a mail through an SMTP server', () => {
  let h: Harness;
  let server: SMTPServer;
  let proxy: TcpProxy;
  const mails: Mail[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, done) {
        if (auth.username === 'mailer' && auth.password === 'letter-box') done(null, { user: 'mailer' });
        else done(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, done) {
        if (address.address.endsWith('@blocked.example')) {
          done(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
        } else done();
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          mails.push({
            from: from ? from.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    proxy = await startTcpProxy('127.0.0.1', port);
    h = await startHarness(database!);
    await createConnection(h, 'mail', smtpClass, { dsn: `smtp://mailer:letter-box@127.0.0.1:${port}` });
    await createConnection(h, 'mail-via-proxy', smtpClass, { dsn: `smtp://mailer:letter-box@127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('tests a connection on save and never shows its DSN', async () => {
    const port = (server.server.address() as AddressInfo).port;
    const badLogin = await backend(h, 'POST', '/backend/connection', {
      name: 'mail-bad-login',
      class: smtpClass,
      config: { dsn: `smtp://mailer:wrong@127.0.0.1:${port}` },
    });
    expect(badLogin.status).toBe(400);
    expect(badLogin.body.message).toMatch(/^Connection test failed: Invalid login/);
    expect(JSON.stringify(badLogin.body)).not.toContain('wrong');

    const closedPort = await backend(h, 'POST', '/backend/connection', {
      name: 'mail-nowhere',
      class: smtpClass,
      config: { dsn: 'smtp://127.0.0.1:1' },
    });
    expect(closedPort.status).toBe(400);
    expect(closedPort.body.message).toMatch(/ECONNREFUSED/);

    const stored = await backend(h, 'GET', '/backend/connection/~mail');
    expect(stored.body.config).toEqual({ dsn: '********' });
  });

  it('renders the templates over the request, escaping HTML in the body', async () => {
    await createOperation(h, {
      name: 'orders.confirm',
      path: '/orders/:id/confirmation',
      actionClass: sendClass,
      config: {
        connection: 'mail',
        to: '{{ payload.email }}',
        cc: 'sales@example.com',
        bcc: 'audit@example.com',
        from: 'shop@example.com',
        subject: 'Order {{ uriFragments.id }} confirmed',
        body: '<p>Hello {{ payload.name }}, your order {{ uriFragments.id }} ships {{ query.when }}.</p>',
      },
    });
    const before = mails.length;
    const res = await call(h, 'POST', '/orders/42/confirmation?when=today', {
      email: 'ann@example.com',
      name: '<b>Ann</b>',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, message: 'Mail successfully sent' });
    expect(mails).toHaveLength(before + 1);
    const mail = mails.at(-1)!;
    expect(mail.from).toBe('shop@example.com');
    expect(mail.to.sort()).toEqual(['ann@example.com', 'audit@example.com', 'sales@example.com']);
    const text = readable(mail.raw);
    expect(text).toMatch(/^Subject: Order 42 confirmed\r?$/m);
    expect(text).toMatch(/^To: ann@example.com\r?$/m);
    expect(text).toMatch(/^Cc: sales@example.com\r?$/m);
    expect(text).not.toMatch(/^Bcc:/m);
    expect(text).toContain('<p>Hello &lt;b&gt;Ann&lt;/b&gt;, your order 42 ships today.</p>');
    expect(text).toContain(`Message-ID: ${res.body.id}`);
  });

  it('mails the calling user when no receiver is configured', async () => {
    await createOperation(h, {
      name: 'me.notify',
      path: '/me/notify',
      actionClass: sendClass,
      config: { connection: 'mail', subject: 'Your report', body: '<p>{{ payload.text }}</p>' },
    });
    const res = await call(h, 'POST', '/me/notify', { text: 'ready' }, { asAdmin: true });
    expect(res.status).toBe(200);
    expect(mails.at(-1)!.to).toEqual([adminEmail]);

    const before = mails.length;
    const anonymous = await call(h, 'POST', '/me/notify', { text: 'ready' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.body).toMatchObject({ success: false, message: 'No receiver provided' });
    expect(mails).toHaveLength(before);
  });

  it('takes every field from the request without a body template, and reports a refused receiver as 502', async () => {
    await createOperation(h, {
      name: 'mail.send',
      path: '/mail',
      actionClass: sendClass,
      config: { connection: 'mail' },
    });
    const res = await call(h, 'POST', '/mail', {
      to: 'bob@example.com',
      subject: 'Direct',
      body: '<p>as given</p>',
    });
    expect(res.status).toBe(200);
    expect(mails.at(-1)!.to).toEqual(['bob@example.com']);
    expect(readable(mails.at(-1)!.raw)).toContain('<p>as given</p>');

    const missing = await call(h, 'POST', '/mail', { to: 'bob@example.com', body: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('No subject provided');

    const before = mails.length;
    const refused = await call(h, 'POST', '/mail', { to: 'eve@blocked.example', subject: 'x', body: 'x' });
    expect(refused.status).toBe(502);
    expect(refused.body.message).toMatch(/refused the mail: .*Mailbox unavailable/);
    expect(mails).toHaveLength(before);
  });

  it('answers 503 while the mail server is away and sends again once it is back', async () => {
    await createOperation(h, {
      name: 'alerts.send',
      path: '/alerts',
      actionClass: sendClass,
      config: { connection: 'mail-via-proxy', to: 'ops@example.com', subject: 'Alert', body: '<p>{{ payload.n }}</p>' },
    });
    expect((await call(h, 'POST', '/alerts', { n: 1 })).status).toBe(200);
    await proxy.down();
    const before = mails.length;
    const down = await call(h, 'POST', '/alerts', { n: 2 });
    expect(down.status).toBe(503);
    expect(down.body.message).toMatch(/SMTP server of connection "mail-via-proxy" is not available/);
    await proxy.up();
    const back = await call(h, 'POST', '/alerts', { n: 3 });
    expect(back.status).toBe(200);
    expect(mails).toHaveLength(before + 1);
    expect(readable(mails.at(-1)!.raw)).toContain('<p>3</p>');
  });
});
