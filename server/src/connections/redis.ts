import { Redis } from 'ioredis';
import { defineConnectionType } from '../plugins/connection.js';

export interface RedisConfig {
  host: string;
  port?: number;
  password?: string;
  db?: number;
}

/**
 * Redis (or a compatible server: Valkey, KeyDB); Fusio's Redis connection. The client is ioredis itself,
 * so custom actions get its full API. It fails fast instead of queueing commands while disconnected and
 * does not reconnect on its own: a lost client is dropped and rebuilt by the connection manager.
 */
export const redisConnection = defineConnectionType<RedisConfig, Redis>({
  class: 'Fusio.Adapter.Redis.Connection.Redis',
  name: 'Redis',
  description: 'Connects to a Redis server',
  config: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, title: 'Host', description: 'Host of the Redis server' },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        default: 6379,
        title: 'Port',
        description: 'Port of the Redis server, 6379 by default',
      },
      password: {
        type: 'string',
        title: 'Password',
        description: 'The password (AUTH), if the server requires one',
        'x-secret': true,
      },
      db: { type: 'integer', minimum: 0, default: 0, title: 'Database', description: 'The database number' },
    },
    required: ['host'],
  },
  async connect(config, env) {
    const client = new Redis({
      host: config.host,
      port: config.port ?? 6379,
      ...(config.password ? { password: config.password } : {}),
      db: config.db ?? 0,
      connectionName: 'portico',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 5000,
      commandTimeout: 5000,
    });
    let lastError: Error | null = null;
    client.on('error', (error: Error) => {
      lastError = error;
      env.logger.warn('Redis connection error', { error: error.message });
    });
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      // ioredis rejects with "Connection is closed."; the socket's error says why
      throw lastError ?? error;
    }
    return client;
  },
  async ping(client) {
    await client.ping();
  },
  isAlive: (client) => client.status === 'ready',
  async close(client) {
    if (client.status === 'end') return;
    await client.quit().catch(() => client.disconnect());
  },
});
