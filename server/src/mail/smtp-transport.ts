import { createTransport } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { MailMessage, MailTransport } from './mailer.js';

/**
 * Mails over SMTP with nodemailer. MAILER_URL is `smtp://` (STARTTLS when offered) or `smtps://`
 * (TLS from the start), with optional user:password, nodemailer options as query parameters
 * (e.g. `?requireTLS=true`) and `from=` for the sender address.
 */
export class SmtpTransport implements MailTransport {
  readonly description: string;
  private readonly mail: ReturnType<typeof createTransport>;
  private readonly from: string;

  constructor(mailerUrl: string, publicUrl: string) {
    const url = new URL(mailerUrl);
    this.from = url.searchParams.get('from') || `Portico <noreply@${new URL(publicUrl).hostname}>`;
    url.searchParams.delete('from');
    this.description = `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`;
    // a mail server that does not answer must not tie up a request or a shutdown for minutes
    const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
    this.mail = createTransport({ ...timeouts, ...parseConnectionUrl(url.toString()) });
  }

  async deliver(message: MailMessage): Promise<void> {
    await this.mail.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }

  async close(): Promise<void> {
    this.mail.close();
  }
}
