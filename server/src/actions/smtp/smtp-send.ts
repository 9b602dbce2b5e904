import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { type SmtpClient, smtpConnection } from '../../connections/smtp.js';
import { badRequest, PorticoError, serviceUnavailable } from '../../errors.js';
import { type ActionRequest, defineActionType, response } from '../../plugins/action.js';
import { compileText, renderText, type Scope, TemplateError, type TextTemplate } from '../http/template.js';
import { connectionProperty, wrongConnection } from '../mq/publish.js';

interface SmtpSendConfig {
  connection: string;
  to?: string;
  cc?: string;
  bcc?: string;
  from?: string;
  subject?: string;
  body?: string;
}

/** What the templates can read, as in Fusio's Twig context. */
const roots = new Set(['payload', 'arguments', 'uriFragments', 'query']);
const fields = ['to', 'cc', 'bcc', 'from', 'subject'] as const;

function isSmtpClient(value: unknown): value is SmtpClient {
  return typeof value === 'object' && value !== null && typeof (value as SmtpClient).sendMail === 'function';
}

const html: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => html[c] as string);
/** a header value must stay on one line, or it could add headers of its own */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

function scopeOf(request: ActionRequest): Scope {
  const query: Record<string, unknown> = { ...request.query };
  return {
    payload: request.body ?? {},
    uriFragments: request.params,
    query,
    arguments: { ...query, ...request.params },
  };
}

function stringField(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return '';
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

/**
 * Sends a mail and answers once the SMTP server accepted it. With a body template in the config,
 * every field is a template over the request ({{ payload.name }}, {{ uriFragments.id }}, {{ query.x }};
 * values are HTML-escaped in the body); an empty `to` mails the calling user. Without a body template
 * the caller sends subject, to, cc, bcc, from and body in the request, as in Fusio.
 */
export const smtpSendAction = defineActionType<SmtpSendConfig>({
  class: 'Fusio.Adapter.Smtp.Action.SmtpSend',
  name: 'SMTP-Send',
  description: 'Sends an HTML mail built from templates over the request',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('SMTP', [smtpConnection.class]),
      to: {
        type: 'string',
        title: 'To',
        description: 'The receivers, separated by commas; empty sends to the authenticated user',
      },
      cc: { type: 'string', title: 'CC', description: 'Optional CC receivers' },
      bcc: { type: 'string', title: 'BCC', description: 'Optional BCC receivers' },
      from: { type: 'string', title: 'From', description: 'Optional sender address' },
      subject: { type: 'string', title: 'Subject', description: 'The subject of this mail' },
      body: {
        type: 'string',
        title: 'Body',
        description: 'The HTML body; empty takes every field from the request body instead',
        'x-form': 'textarea',
        'x-mode': 'html',
      },
    },
    required: ['connection'],
  },
  create(config) {
    let templates: { [K in (typeof fields)[number] | 'body']?: TextTemplate } | null = null;
    if (config.body) {
      templates = {};
      try {
        for (const name of [...fields, 'body'] as const) {
          const source = config[name];
          if (source) templates[name] = compileText(source, roots, `Action config: property /${name}`);
        }
      } catch (error) {
        if (error instanceof TemplateError) throw new Error(error.message);
        throw error;
      }
    }
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      if (!isSmtpClient(client)) throw wrongConnection(config.connection, 'SMTP');
      const mail: Record<(typeof fields)[number] | 'body', string> = {
        to: '',
        cc: '',
        bcc: '',
        from: '',
        subject: '',
        body: '',
      };
      if (templates) {
        const scope = scopeOf(request);
        for (const name of fields) {
          const template = templates[name];
          if (template) mail[name] = oneLine(renderText(template, scope));
        }
        mail.body = templates.body ? renderText(templates.body, scope, escapeHtml) : '';
        if (!mail.to && !context.user.anonymous && context.user.email) mail.to = context.user.email;
      } else {
        for (const name of [...fields, 'body'] as const) mail[name] = stringField(request.body, name);
        for (const name of fields) mail[name] = oneLine(mail[name]);
      }
      if (!mail.subject) throw badRequest('No subject provided');
      if (!mail.to) throw badRequest('No receiver provided');
      if (!mail.body) throw badRequest('No body provided');

      let sent: SMTPPool.SentMessageInfo;
      try {
        sent = await client.sendMail({
          to: mail.to,
          subject: mail.subject,
          html: mail.body,
          ...(mail.cc ? { cc: mail.cc } : {}),
          ...(mail.bcc ? { bcc: mail.bcc } : {}),
          ...(mail.from ? { from: mail.from } : {}),
        });
      } catch (error) {
        throw smtpFailure(config.connection, error);
      }
      return response(200, { success: true, message: 'Mail successfully sent', id: sent.messageId });
    };
  },
});

/** Unreachable or busy (4xx) server: 503; a mail the server refused (5xx, bad login): 502. */
function smtpFailure(connection: string, error: unknown): PorticoError {
  const { code, responseCode } = error as { code?: string; responseCode?: number };
  const reason = error instanceof Error ? error.message : String(error);
  const refused = () =>
    new PorticoError('BAD_GATEWAY', `The SMTP server of connection "${connection}" refused the mail: ${reason}`);
  if (typeof responseCode === 'number' && responseCode >= 500) return refused();
  if (typeof responseCode !== 'number') {
    // nodemailer found no usable address before talking to the server
    if (code === 'EENVELOPE') return badRequest(`Invalid receiver: ${reason}`);
    if (code === 'EAUTH' || code === 'EMESSAGE') return refused();
  }
  return serviceUnavailable(`The SMTP server of connection "${connection}" is not available: ${reason}`, error);
}
