import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDeveloper, tokenFromLink } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { fastEvents } from './support/events-helpers.js';
import { type Harness, startHarness } from './support/harness.js';
import { type SmtpInbox, startSmtpInbox } from './support/smtp-inbox.js';

const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

describe.skipIf(!sqlite)('account mails are durable jobs', () => {
  let h: Harness;
  let inbox: SmtpInbox & { refused: number };

  beforeAll(async () => {
    // the mail server refuses the first two attempts with 451, as a busy server does
    inbox = await startSmtpInbox({ failures: 2 });
    h = await startHarness(
      sqlite as NonNullable<typeof sqlite>,
      { MAILER_URL: inbox.mailerUrl },
      { events: fastEvents },
    );
  });
  afterAll(async () => {
    await h?.close();
    await inbox?.close();
  });

  it('answers the sign-up at once and delivers the activation mail once the mail server takes it', async () => {
    const dev = newDeveloper('durable');
    await h.anonymous().consumer().account().register({ name: dev.name, email: dev.email, password: dev.password });
    // stored in the outbox with the request, not held in this process's memory
    const jobs = await h.portico.platform.db.selectFrom('event_messages').select('id').execute();
    expect(jobs.length).toBeGreaterThan(0);
    const mail = await inbox.waitFor((m) => m.to.includes(dev.email), 10_000);
    expect(inbox.refused).toBe(2);
    await h
      .anonymous()
      .consumer()
      .account()
      .activate({ token: tokenFromLink(mail, 'register/activate') });
    const jwt = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
    expect(jwt.token).toBeTruthy();
  });
});
