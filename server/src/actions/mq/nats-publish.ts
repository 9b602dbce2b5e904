import { ErrorCode, type NatsConnection, NatsError, headers as natsHeaders } from 'nats';
import { natsConnection } from '../../connections/nats.js';
import { PorticoError, serviceUnavailable } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { messageFromRequest, messageHeaders } from './message.js';
import {
  accepted,
  brokerFailure,
  connectionProperty,
  publishTimeoutMs,
  withTimeout,
  wrongConnection,
} from './publish.js';

type JetStreamMode = 'auto' | 'always' | 'never';

interface NatsPublishConfig {
  connection: string;
  subject: string;
  jetstream?: JetStreamMode;
}

function isNatsConnection(value: unknown): value is NatsConnection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NatsConnection).publish === 'function' &&
    typeof (value as NatsConnection).jetstream === 'function'
  );
}

/** Fails the given work when the connection closes: nats.js leaves a pending flush waiting forever. */
function unlessClosed<T>(client: NatsConnection, work: Promise<T>): Promise<T> {
  const lost = client.closed().then((error) => {
    throw error ?? new Error('the connection to the NATS server was lost');
  });
  lost.catch(() => {});
  return Promise.race([work, lost]);
}

/** How long the answer to "which stream captures this subject" is reused. */
const streamLookupTtlMs = 10_000;
const streamLookups = new WeakMap<NatsConnection, Map<string, { stream: string | null; until: number }>>();

/**
 * The JetStream stream that captures a subject, or null (also when JetStream is off). Asked of the
 * JetStream API rather than by trying a JetStream publish: a core subscriber on the subject would take
 * that publish's request and never answer it.
 */
async function streamFor(client: NatsConnection, subject: string): Promise<string | null> {
  let cache = streamLookups.get(client);
  if (!cache) {
    cache = new Map();
    streamLookups.set(client, cache);
  }
  const known = cache.get(subject);
  if (known && known.until > Date.now()) return known.stream;
  let stream: string | null = null;
  try {
    const reply = await unlessClosed(
      client,
      client.request('$JS.API.STREAM.NAMES', new TextEncoder().encode(JSON.stringify({ subject })), {
        timeout: publishTimeoutMs,
      }),
    );
    const answer = JSON.parse(new TextDecoder().decode(reply.data)) as {
      streams?: string[] | null;
      error?: { description?: string };
    };
    if (answer.error) throw new Error(`JetStream: ${answer.error.description ?? 'stream lookup failed'}`);
    stream = answer.streams?.[0] ?? null;
  } catch (error) {
    // no responders: this server runs without JetStream
    if (!(error instanceof NatsError && error.code === ErrorCode.NoResponders)) throw error;
  }
  cache.set(subject, { stream, until: Date.now() + streamLookupTtlMs });
  return stream;
}

/**
 * Publishes the request body on a NATS subject. Where a JetStream stream captures the subject the
 * publish waits for the stream's acknowledgement (and Nats-Msg-Id lets the stream drop duplicates);
 * otherwise it is a core publish followed by a round trip, which proves the server received it.
 * Which stream captures a subject is looked up once per connection and reused for 10 s.
 */
export const natsPublishAction = defineActionType<NatsPublishConfig>({
  class: 'Portico.Adapter.Nats.Action.NatsPublish',
  name: 'NATS-Publish',
  description:
    'Publishes the request body on a NATS subject (JetStream-acknowledged where a stream exists) and answers 202',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('NATS', [natsConnection.class]),
      subject: {
        type: 'string',
        // a concrete subject: dot-separated tokens without wildcards or white space
        pattern: '^[^\\s.*>]+(\\.[^\\s.*>]+)*$',
        title: 'Subject',
        description: 'The subject to publish on, e.g. orders.created',
      },
      jetstream: {
        type: 'string',
        enum: ['auto', 'always', 'never'],
        default: 'auto',
        title: 'JetStream',
        description:
          'auto: stream-acknowledged when a stream captures the subject, else a core publish; always: fail without a stream; never: core publish only',
        'x-labels': { auto: 'When a stream exists', always: 'Always (require a stream)', never: 'Never (core NATS)' },
      },
    },
    required: ['connection', 'subject'],
  },
  create(config) {
    const mode = config.jetstream ?? 'auto';
    const where = `subject "${config.subject}"`;
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      if (!isNatsConnection(client)) throw wrongConnection(config.connection, 'NATS');
      const message = messageFromRequest(request, context);
      const headers = natsHeaders();
      for (const [name, value] of Object.entries(messageHeaders(message))) headers.set(name, value);
      const data = new Uint8Array(message.body.buffer, message.body.byteOffset, message.body.byteLength);
      try {
        const stream = mode === 'never' ? null : await streamFor(client, config.subject);
        if (stream) {
          const js = client.jetstream();
          await unlessClosed(
            client,
            js.publish(config.subject, data, { msgID: message.id, headers, timeout: publishTimeoutMs }),
          );
          return accepted(message.id);
        }
        if (mode === 'always') throw serviceUnavailable(`No JetStream stream captures ${where}`);
        client.publish(config.subject, data, { headers });
        await withTimeout(
          unlessClosed(client, client.flush()),
          publishTimeoutMs,
          `The NATS server did not acknowledge ${where}`,
        );
      } catch (error) {
        if (error instanceof NatsError && error.code === ErrorCode.Timeout) {
          throw new PorticoError(
            'GATEWAY_TIMEOUT',
            `The NATS server did not acknowledge the message for ${where} in time`,
          );
        }
        throw brokerFailure(`The NATS server did not take the message for ${where}`, error);
      }
      return accepted(message.id);
    };
  },
});
