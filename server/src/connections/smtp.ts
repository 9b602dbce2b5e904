import { createTransport, type Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { defineConnectionType } from '../plugins/connection.js';

export interface SmtpConfig {
  dsn: string;
}

export type SmtpClient = Transporter<SMTPPool.SentMessageInfo>;

/** nodemailer options from a Symfony-Mailer-style DSN: smtp://user:pass@host:port (smtps:// for TLS). */
export function smtpOptions(dsn: string): SMTPPool.Options {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new Error('the DSN is not a URL; expected smtp://user:password@host:port');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`the DSN scheme must be smtp:// or smtps://, not ${url.protocol}//`);
  }
  const parsed = parseConnectionUrl(url.toString());
  // port 465 speaks TLS from the first byte, as Symfony Mailer assumes for smtp://…:465
  if (url.port === '465' && !url.searchParams.has('secure')) parsed.secure = true;
  return {
    // a mail server that does not answer must not tie up a request for minutes
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 30_000,
    ...parsed,
    pool: true,
    maxConnections: 5,
  };
}

/**
 * An SMTP server; Fusio's SMTP connection. The client is a pooled nodemailer transport: it keeps a few
 * connections open and opens new ones after the server closed them, so it never needs rebuilding.
 */
export const smtpConnection = defineConnectionType<SmtpConfig, SmtpClient>({
  class: 'Fusio.Adapter.Smtp.Connection.Smtp',
  name: 'SMTP',
  description: 'Sends mail through an SMTP server',
  config: {
    type: 'object',
    properties: {
      dsn: {
        type: 'string',
        pattern: '^smtps?://',
        title: 'DSN',
        description:
          'The mail server, e.g. smtp://user:password@mail.example.com:587 (STARTTLS when offered) or smtps://…:465',
        'x-secret': true,
      },
    },
    required: ['dsn'],
  },
  async connect(config, env) {
    const transport = createTransport(smtpOptions(config.dsn));
    transport.on('error', (error: Error) => env.logger.warn('SMTP transport error', { error: error.message }));
    return transport;
  },
  async ping(client) {
    await client.verify();
  },
  async close(client) {
    client.close();
  },
});
