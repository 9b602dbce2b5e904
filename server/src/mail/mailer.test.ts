import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpInbox } from '../../test/support/smtp-inbox.js';
import { createMailer } from './index.js';
import { Mailer } from './mailer.js';
import { SmtpTransport } from './smtp-transport.js';
import { fillTemplate } from './templates.js';

/** A real pino logger whose lines are kept for the test to read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('Mailer', () => {
  it('sends over SMTP with the sender from MAILER_URL and a one-line subject', async () => {
    const inbox = await startSmtpInbox();
    closers.push(inbox.close);
    const { logger } = capturingLogger();
    const mailer = createMailer({ mailerUrl: inbox.mailerUrl, publicUrl: 'https://api.example.com' }, logger);
    closers.push(() => mailer.close());
    expect(mailer.transport.description).toBe(`smtp://127.0.0.1:${inbox.port}`);
    await mailer.send({ to: 'dev@example.com', subject: 'Hello\r\nBcc: victim@example.com', text: 'Body line' });
    const mail = await inbox.waitFor(() => true);
    expect(mail.from).toBe('portico@example.com');
    expect(mail.to).toEqual(['dev@example.com']);
    expect(mail.subject).toBe('Hello Bcc: victim@example.com');
    expect(mail.raw).not.toMatch(/^Bcc:/m);
    expect(mail.text.trim()).toBe('Body line');
  });

  it('retries a queued mail the server refused for now, and logs no address', async () => {
    const inbox = await startSmtpInbox({ failures: 1 });
    closers.push(inbox.close);
    const { logger, lines } = capturingLogger();
    const mailer = new Mailer(new SmtpTransport(inbox.mailerUrl, 'http://localhost'), logger, { retryDelaysMs: [20] });
    closers.push(() => mailer.close());
    mailer.queue(async () => ({ to: 'late@example.com', subject: 'Queued', text: 'secret-token-123' }), 'test mail');
    await mailer.idle();
    expect(inbox.refused).toBe(1);
    expect(inbox.mails.map((m) => m.subject)).toEqual(['Queued']);
    const logged = JSON.stringify(lines);
    expect(logged).toContain('mail failed, retrying');
    expect(logged).not.toContain('late@example.com');
    expect(logged).not.toContain('secret-token-123');
  });

  it('gives up on retries at shutdown instead of waiting for them', async () => {
    const inbox = await startSmtpInbox({ failures: 1000 });
    closers.push(inbox.close);
    const { logger, lines } = capturingLogger();
    const mailer = new Mailer(new SmtpTransport(inbox.mailerUrl, 'http://localhost'), logger, {
      retryDelaysMs: [60_000],
    });
    mailer.queue({ to: 'a@example.com', subject: 'Never', text: 'x' }, 'doomed mail');
    while (inbox.refused === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await mailer.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(mailer.queued).toBe(0);
    expect(JSON.stringify(lines)).toContain('mail could not be sent');
  });

  it('writes mails to the log when no MAILER_URL is set', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = createMailer({ mailerUrl: undefined, publicUrl: 'http://localhost' }, logger);
    expect(mailer.transport.description).toBe('log');
    await mailer.send({ to: 'dev@example.com', subject: 'Activate', text: 'Visit /activate/abc' });
    await mailer.close();
    const entry = lines.find((l) => l.subject === 'Activate');
    expect(entry).toMatchObject({ to: 'dev@example.com', text: 'Visit /activate/abc', component: 'mail' });
  });

  it('fills templates in one pass, so a value cannot pull in another placeholder', () => {
    const text = fillTemplate('Hi {name} <{email}> {token} {apps_url} {unknown}', {
      name: '{token}',
      email: 'a@example.com',
      token: 'T',
      apps_url: 'https://x/apps',
    });
    expect(text).toBe('Hi {token} <a@example.com> T https://x/apps {unknown}');
  });
});
