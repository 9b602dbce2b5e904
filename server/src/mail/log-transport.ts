import type { Logger } from 'pino';
import type { MailMessage, MailTransport } from './mailer.js';

/**
 * Without MAILER_URL mails are written to the log, so an install without a mail server still works
 * (an admin can read an activation link there). Only what the mail itself carries is logged.
 */
export class LogTransport implements MailTransport {
  readonly description = 'log';

  constructor(private readonly logger: Logger) {}

  async deliver(message: MailMessage): Promise<void> {
    this.logger.info(
      { to: message.to, subject: message.subject, text: message.text },
      'mail (no MAILER_URL is set, so it is logged instead of sent)',
    );
  }

  async close(): Promise<void> {}
}
