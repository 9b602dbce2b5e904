import { connect, type NatsConnection } from 'nats';
import { defineConnectionType } from '../plugins/connection.js';

export interface NatsConfig {
  servers: string;
  user?: string;
  pass?: string;
  token?: string;
}

/** "nats://a:4222, b:4222" → the server list nats.js wants. */
export function natsServers(servers: string): string[] {
  return servers
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * NATS, with JetStream where a stream covers the subject (beyond Fusio). The client is nats.js's
 * connection; it does not reconnect on its own (a publish must not be buffered while the server is away
 * and reported as sent): a closed connection is dropped and rebuilt by the connection manager.
 */
export const natsConnection = defineConnectionType<NatsConfig, NatsConnection>({
  class: 'Portico.Adapter.Nats.Connection.Nats',
  name: 'NATS',
  description: 'Connects to a NATS server or cluster (JetStream is used where a stream exists)',
  config: {
    type: 'object',
    properties: {
      servers: {
        type: 'string',
        minLength: 1,
        pattern: '\\S',
        title: 'Servers',
        description: 'One or more server URLs, separated by commas, e.g. nats://127.0.0.1:4222',
      },
      user: { type: 'string', title: 'User', description: 'The user name, if the server requires one' },
      pass: { type: 'string', title: 'Password', description: "The user's password", 'x-secret': true },
      token: {
        type: 'string',
        title: 'Token',
        description: 'An authentication token, instead of user and password',
        'x-secret': true,
      },
    },
    required: ['servers'],
  },
  async connect(config) {
    return connect({
      servers: natsServers(config.servers),
      ...(config.user ? { user: config.user } : {}),
      ...(config.pass ? { pass: config.pass } : {}),
      ...(config.token ? { token: config.token } : {}),
      name: 'portico',
      reconnect: false,
      timeout: 5000,
    });
  },
  async ping(client) {
    await client.flush();
  },
  isAlive: (client) => !client.isClosed() && !client.isDraining(),
  async close(client) {
    if (!client.isClosed()) await client.close();
  },
});
