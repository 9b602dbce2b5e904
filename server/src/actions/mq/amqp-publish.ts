import { AmqpClient, type AmqpTarget, amqpConnection } from '../../connections/amqp.js';
import { defineActionType } from '../../plugins/action.js';
import { messageFromRequest, paramHeaders } from './message.js';
import {
  accepted,
  brokerFailure,
  connectionProperty,
  publishTimeoutMs,
  withTimeout,
  wrongConnection,
} from './publish.js';

interface AmqpPublishConfig {
  connection: string;
  exchange?: string;
  exchangeType?: AmqpTarget['exchangeType'];
  routingKey?: string;
  queue?: string;
  declare?: boolean;
}

/**
 * Publishes the request body as a persistent message and answers 202 only after the broker confirmed it.
 * Properties: content_type, message_id, timestamp, type (the operation); headers: see ./README.md.
 */
export const amqpPublishAction = defineActionType<AmqpPublishConfig>({
  class: 'Fusio.Adapter.Amqp.Action.AmqpPublish',
  name: 'AMQP-Publish',
  description: 'Publishes the request body to an AMQP exchange or queue and answers 202 once the broker confirmed it',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('AMQP', [amqpConnection.class]),
      exchange: {
        type: 'string',
        title: 'Exchange',
        description: 'The exchange; empty publishes through the default exchange straight into the queue',
      },
      exchangeType: {
        type: 'string',
        enum: ['direct', 'fanout', 'topic', 'headers'],
        default: 'direct',
        title: 'Exchange type',
        description: 'The type the exchange is declared with',
      },
      routingKey: {
        type: 'string',
        title: 'Routing key',
        description: 'The routing key; empty uses the queue name',
      },
      queue: { type: 'string', title: 'Queue', description: 'The queue the worker consumes' },
      declare: {
        type: 'boolean',
        default: true,
        title: 'Declare',
        description:
          'Declare the durable exchange, queue and binding before the first publish; turn off when the worker declares them (e.g. quorum queues)',
      },
    },
    required: ['connection'],
    anyOf: [
      { required: ['exchange'], properties: { exchange: { minLength: 1 } } },
      { required: ['queue'], properties: { queue: { minLength: 1 } } },
    ],
  },
  create(config) {
    const queue = config.queue ?? '';
    const target: AmqpTarget = {
      exchange: config.exchange ?? '',
      exchangeType: config.exchangeType ?? 'direct',
      routingKey: config.routingKey || queue,
      queue,
      declare: config.declare ?? true,
    };
    const where = target.exchange ? `exchange "${target.exchange}"` : `queue "${queue}"`;
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      if (!(client instanceof AmqpClient)) throw wrongConnection(config.connection, 'AMQP');
      const message = messageFromRequest(request, context);
      const headers: Record<string, string | number> = {
        operation: message.operation,
        'request-id': message.requestId,
        ...paramHeaders(message),
      };
      if (message.userId !== null) headers['user-id'] = message.userId;
      if (message.appId !== null) headers['app-id'] = message.appId;
      try {
        await withTimeout(
          client.publish(target, message.body, {
            messageId: message.id,
            contentType: message.contentType,
            timestamp: Math.floor(message.publishedAt.getTime() / 1000),
            type: message.operation,
            headers,
          }),
          publishTimeoutMs,
          `The AMQP broker did not confirm the message to ${where}`,
        );
      } catch (error) {
        throw brokerFailure(`The AMQP broker did not take the message for ${where}`, error);
      }
      return accepted(message.id);
    };
  },
});
