import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import { defineConnectionType } from '../plugins/connection.js';

export interface MqttConfig {
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  clientId?: string;
  protocolVersion?: 4 | 5;
  /** Fusio's field names, read when a config was written for Fusio */
  user?: string;
  clientid?: string;
}

/** The broker URL from `url`, or from Fusio's `host` and `port`. */
function brokerUrl(config: MqttConfig): string {
  if (config.url) return config.url;
  const host = config.host?.includes(':') ? `[${config.host}]` : config.host;
  return `mqtt://${host}:${config.port ?? 1883}`;
}

/**
 * An MQTT broker (Mosquitto, EMQX, HiveMQ, …); Fusio's MQTT connection, with a URL as well as host and
 * port. The client does not reconnect on its own, so a publish never waits in an offline queue: a lost
 * client fails its unacknowledged publishes and is rebuilt by the connection manager.
 */
export const mqttConnection = defineConnectionType<MqttConfig, MqttClient>({
  class: 'Fusio.Adapter.Mqtt.Connection.Mqtt',
  name: 'MQTT',
  description: 'Connects to an MQTT broker',
  config: {
    type: 'object',
    properties: {
      url: {
        type: 'string',
        pattern: '^(mqtts?|wss?)://',
        title: 'URL',
        description: 'The broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://broker.example.com:8883',
      },
      host: { type: 'string', minLength: 1, title: 'Host', description: 'Instead of a URL: the broker host' },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        title: 'Port',
        description: 'With host: the broker port, 1883 by default',
      },
      username: { type: 'string', title: 'User name', description: 'The user name, if the broker requires one' },
      password: { type: 'string', title: 'Password', description: "The user's password", 'x-secret': true },
      clientId: {
        type: 'string',
        maxLength: 65535,
        title: 'Client ID',
        description:
          'Leave empty for a unique id per Portico process; a fixed id makes the broker drop the other process using it',
      },
      protocolVersion: {
        type: 'integer',
        enum: [4, 5],
        default: 5,
        title: 'Protocol',
        description: 'MQTT 5 carries the message metadata as properties; 3.1.1 carries the body only',
        'x-labels': { 4: 'MQTT 3.1.1', 5: 'MQTT 5' },
      },
    },
    anyOf: [{ required: ['url'] }, { required: ['host'] }],
  },
  async connect(config, env) {
    // loaded on first use: the MQTT client is a large module most installations never need at start
    const { default: mqtt } = await import('mqtt');
    const options: IClientOptions = {
      protocolVersion: config.protocolVersion ?? 5,
      clientId: config.clientId || config.clientid || `portico_${randomBytes(6).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    };
    const username = config.username ?? config.user;
    if (username) options.username = username;
    if (config.password) options.password = config.password;
    const client = mqtt.connect(brokerUrl(config), options);
    client.on('error', (error: Error) => env.logger.warn('MQTT client error', { error: error.message }));
    // publishes still waiting for their acknowledgement fail now instead of waiting for a reconnect
    client.on('close', () => {
      if (!client.disconnecting) client.end(true);
    });
    return new Promise<MqttClient>((resolve, reject) => {
      const failed = (error: Error) => {
        client.off('connect', connected);
        client.end(true);
        reject(error);
      };
      const connected = () => {
        client.off('error', failed);
        client.off('close', closed);
        resolve(client);
      };
      const closed = () => failed(new Error('the broker closed the connection before accepting it'));
      client.once('connect', connected);
      client.once('error', failed);
      client.once('close', closed);
    });
  },
  isAlive: (client) => client.connected && !client.disconnecting,
  async close(client) {
    await client.endAsync(true);
  },
});
