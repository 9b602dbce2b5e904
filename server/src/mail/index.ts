import type { Logger } from 'pino';
import { LogTransport } from './log-transport.js';
import { Mailer, type MailTransport } from './mailer.js';
import { SmtpTransport } from './smtp-transport.js';

export type { MailMessage, MailTransport } from './mailer.js';
export { Mailer } from './mailer.js';

/** The platform's mailer: SMTP when MAILER_URL is set, otherwise the log. */
export function createMailer(
  config: { mailerUrl: string | undefined; publicUrl: string },
  logger: Logger,
  transport?: MailTransport,
): Mailer {
  const mailLogger = logger.child({ component: 'mail' });
  const chosen =
    transport ??
    (config.mailerUrl ? new SmtpTransport(config.mailerUrl, config.publicUrl) : new LogTransport(mailLogger));
  return new Mailer(chosen, mailLogger);
}
