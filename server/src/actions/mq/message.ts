import { randomUUID } from 'node:crypto';
import type { ActionContext, ActionRequest } from '../../plugins/action.js';

/**
 * A write request turned into a message for the legacy app's background worker. Every broker gets the
 * same facts; how they travel (properties, headers, an envelope) is described in ./README.md.
 */
export interface QueueMessage {
  /** generated per request and returned to the caller, so a worker can drop duplicates */
  readonly id: string;
  /** the request body: JSON as sent, or the raw bytes of any other content type */
  readonly body: Buffer;
  readonly contentType: string;
  /** the body as a value again, for envelopes: parsed JSON, text, or base64 of binary bytes */
  readonly envelopeBody: { value: unknown; encoding?: 'base64' };
  /** the operation's name, e.g. `orders.create`: tells the worker what to do */
  readonly operation: string;
  /** the path parameters (`/servers/:id/shutdown` → `{id}`): which thing the worker acts on */
  readonly params: Readonly<Record<string, string>>;
  /** the authenticated user and app; null when the caller is anonymous */
  readonly userId: number | null;
  readonly appId: number | null;
  readonly requestId: string;
  readonly publishedAt: Date;
}

const jsonType = 'application/json';

/** Builds the message for one request; a request without a body sends `{}`, as Fusio does. */
export function messageFromRequest(request: ActionRequest, context: ActionContext): QueueMessage {
  const header = request.headers['content-type'];
  const requestType = (Array.isArray(header) ? header[0] : header) ?? '';
  let body: Buffer;
  let contentType: string;
  let envelopeBody: QueueMessage['envelopeBody'];
  if (Buffer.isBuffer(request.body)) {
    body = request.body;
    contentType = requestType || 'application/octet-stream';
    envelopeBody = { value: body.toString('base64'), encoding: 'base64' };
  } else if (typeof request.body === 'string') {
    body = Buffer.from(request.body, 'utf8');
    contentType = requestType || 'text/plain; charset=utf-8';
    envelopeBody = { value: request.body };
  } else {
    // parsed JSON or form fields travel as JSON
    const value = request.body === undefined ? {} : request.body;
    body = Buffer.from(JSON.stringify(value), 'utf8');
    contentType = jsonType;
    envelopeBody = { value };
  }
  return {
    id: randomUUID(),
    body,
    contentType,
    envelopeBody,
    operation: context.operation.name,
    params: request.params ?? {},
    userId: context.user.anonymous ? null : context.user.id,
    appId: context.app.anonymous ? null : context.app.id,
    requestId: context.requestId,
    publishedAt: new Date(),
  };
}

/** The metadata as string pairs, for brokers with headers (NATS headers, MQTT 5 user properties, AMQP headers). */
export function messageHeaders(message: QueueMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': message.contentType,
    'message-id': message.id,
    operation: message.operation,
    'request-id': message.requestId,
    'published-at': message.publishedAt.toISOString(),
  };
  if (message.userId !== null) headers['user-id'] = String(message.userId);
  if (message.appId !== null) headers['app-id'] = String(message.appId);
  Object.assign(headers, paramHeaders(message));
  return headers;
}

/** The path parameters as `param-<name>` pairs (`param-id: 7`). */
export function paramHeaders(message: QueueMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.params)) headers[`param-${name}`] = value;
  return headers;
}

/** One JSON document holding metadata and body, for brokers that carry bytes only (Beanstalk). */
export function messageEnvelope(message: QueueMessage): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: message.id,
      operation: message.operation,
      params: message.params,
      userId: message.userId,
      appId: message.appId,
      requestId: message.requestId,
      publishedAt: message.publishedAt.toISOString(),
      contentType: message.contentType,
      body: message.envelopeBody.value,
      ...(message.envelopeBody.encoding ? { encoding: message.envelopeBody.encoding } : {}),
    }),
    'utf8',
  );
}
