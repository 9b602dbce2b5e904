import { Redis } from 'ioredis';
import { redisConnection } from '../../connections/redis.js';
import { defineActionType } from '../../plugins/action.js';
import { messageFromRequest, messageHeaders } from './message.js';
import { accepted, brokerFailure, connectionProperty, wrongConnection } from './publish.js';

interface RedisStreamPublishConfig {
  connection: string;
  stream: string;
  maxLength?: number;
}

/**
 * Appends the request to a Redis stream (XADD) for a consumer group to work through; answers 202 once
 * Redis stored the entry. The entry's fields are the message headers plus `body` (see ./README.md).
 */
export const redisStreamPublishAction = defineActionType<RedisStreamPublishConfig>({
  class: 'Portico.Adapter.Redis.Action.RedisStreamPublish',
  name: 'Redis-Stream-Publish',
  description: 'Appends the request body to a Redis stream (XADD) and answers 202',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('Redis', [redisConnection.class]),
      stream: { type: 'string', minLength: 1, title: 'Stream', description: 'The key of the stream' },
      maxLength: {
        type: 'integer',
        minimum: 1,
        title: 'Max length',
        description: 'Trim the stream to about this many entries (MAXLEN ~); empty keeps everything',
      },
    },
    required: ['connection', 'stream'],
  },
  create(config) {
    const trim: (string | number)[] = config.maxLength ? ['MAXLEN', '~', config.maxLength] : [];
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      if (!(client instanceof Redis)) throw wrongConnection(config.connection, 'Redis');
      const message = messageFromRequest(request, context);
      const fields = Object.entries(messageHeaders(message)).flat();
      try {
        await client.xadd(config.stream, ...trim, '*', ...fields, 'body', message.body);
      } catch (error) {
        throw brokerFailure(`Redis did not take the message for stream "${config.stream}"`, error);
      }
      return accepted(message.id);
    };
  },
});
