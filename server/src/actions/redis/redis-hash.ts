import { Redis } from 'ioredis';
import { redisConnection } from '../../connections/redis.js';
import { badRequest, notFound } from '../../errors.js';
import { type ActionContext, type ActionRequest, defineActionType, response } from '../../plugins/action.js';
import { brokerFailure, connectionProperty, wrongConnection } from '../mq/publish.js';

interface RedisHashConfig {
  connection: string;
  key: string;
}

const hashConfig = {
  type: 'object',
  properties: {
    connection: connectionProperty('Redis', [redisConnection.class]),
    key: { type: 'string', minLength: 1, title: 'Key', description: 'The key of the hash' },
  },
  required: ['connection', 'key'],
};

async function redisOf(config: RedisHashConfig, context: ActionContext): Promise<Redis> {
  const client = await context.connections.get(config.connection);
  if (!(client instanceof Redis)) throw wrongConnection(config.connection, 'Redis');
  return client;
}

/** The field comes from the path (`/:field`) or the query, as Fusio's `$request->get('field')`. */
function fieldOf(request: ActionRequest): string {
  const query = request.query.field;
  const field = request.params.field ?? (Array.isArray(query) ? query[0] : query);
  if (!field) throw badRequest('No field provided');
  return field;
}

/** Runs the Redis commands of one request; a server that cannot be reached gives a clean 503. */
async function onRedis<T>(config: RedisHashConfig, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw brokerFailure(`Redis command on connection "${config.connection}" failed`, error);
  }
}

export const redisHashGetAction = defineActionType<RedisHashConfig>({
  class: 'Fusio.Adapter.Redis.Action.RedisHashGet',
  name: 'Redis-Hash-Get',
  description: 'Returns one field of a Redis hash as {value}',
  config: hashConfig,
  create(config) {
    return async (request, context) => {
      const redis = await redisOf(config, context);
      const field = fieldOf(request);
      const value = await onRedis(config, () => redis.hget(config.key, field));
      if (value === null) throw notFound('Provided field does not exist');
      return response(200, { value });
    };
  },
});

export const redisHashGetAllAction = defineActionType<RedisHashConfig>({
  class: 'Fusio.Adapter.Redis.Action.RedisHashGetAll',
  name: 'Redis-Hash-GetAll',
  description: 'Returns all fields of a Redis hash as {values}',
  config: hashConfig,
  create(config) {
    return async (_request, context) => {
      const redis = await redisOf(config, context);
      const values = await onRedis(config, () => redis.hgetall(config.key));
      return response(200, { values });
    };
  },
});

export const redisHashSetAction = defineActionType<RedisHashConfig>({
  class: 'Fusio.Adapter.Redis.Action.RedisHashSet',
  name: 'Redis-Hash-Set',
  description: 'Sets one field of a Redis hash from the body {value}',
  config: hashConfig,
  create(config) {
    return async (request, context) => {
      const field = fieldOf(request);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Buffer.isBuffer(body) || !('value' in body)) {
        throw badRequest('Given request body must contain a "value" key');
      }
      const raw = (body as { value: unknown }).value;
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
        throw badRequest('Property "value" must be a string, number or boolean');
      }
      const value = String(raw);
      if (value === '') throw badRequest('No value provided');
      const redis = await redisOf(config, context);
      const added = await onRedis(config, () => redis.hset(config.key, field, value));
      return response(200, { success: true, message: 'Field successfully set', id: added });
    };
  },
});

export const redisHashDeleteAction = defineActionType<RedisHashConfig>({
  class: 'Fusio.Adapter.Redis.Action.RedisHashDelete',
  name: 'Redis-Hash-Delete',
  description: 'Deletes one field of a Redis hash',
  config: hashConfig,
  create(config) {
    return async (request, context) => {
      const field = fieldOf(request);
      const redis = await redisOf(config, context);
      const removed = await onRedis(config, () => redis.hdel(config.key, field));
      if (removed === 0) throw notFound('Provided field does not exist');
      return response(200, { success: true, message: 'Field successfully deleted', id: removed });
    };
  },
});
