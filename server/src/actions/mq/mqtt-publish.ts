import { mqttConnection } from '../../connections/mqtt.js';
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

interface MqttPublishConfig {
  connection: string;
  topic: string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

/**
 * Publishes the request body on an MQTT topic. With QoS 1 or 2 the 202 comes after the broker's
 * PUBACK / PUBCOMP; QoS 0 is fire-and-forget by definition (202 once the packet is written).
 * On MQTT 5 the metadata travels as content type and user properties (see ./README.md).
 */
export const mqttPublishAction = defineActionType<MqttPublishConfig>({
  class: 'Fusio.Adapter.Mqtt.Action.MqttPublish',
  name: 'MQTT-Publish',
  description: 'Publishes the request body on an MQTT topic and answers 202 once the broker acknowledged it',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('MQTT', [mqttConnection.class]),
      topic: {
        type: 'string',
        // a concrete topic: no wildcards, no NUL
        pattern: '^[^#+\\u0000]+$',
        maxLength: 65535,
        title: 'Topic',
        description: 'The topic to publish on, e.g. orders/created',
      },
      qos: {
        type: 'integer',
        enum: [0, 1, 2],
        default: 1,
        title: 'QoS',
        description: '0: at most once (no acknowledgement), 1: at least once, 2: exactly once',
        'x-labels': { 0: '0 - at most once', 1: '1 - at least once', 2: '2 - exactly once' },
      },
      retain: {
        type: 'boolean',
        default: false,
        title: 'Retain',
        description: 'The broker keeps the last message for subscribers that come later',
      },
    },
    required: ['connection', 'topic'],
  },
  create(config) {
    const qos = config.qos ?? 1;
    const retain = config.retain ?? false;
    const where = `topic "${config.topic}"`;
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      // the connection loaded the module already (a cached import: no load here)
      const { MqttClient: Client } = await import('mqtt');
      if (!(client instanceof Client)) throw wrongConnection(config.connection, 'MQTT');
      const message = messageFromRequest(request, context);
      const { 'content-type': contentType, ...userProperties } = messageHeaders(message);
      const v5 = client.options.protocolVersion === 5;
      try {
        if (!client.connected) throw new Error('the connection to the broker is closed');
        await withTimeout(
          client.publishAsync(config.topic, message.body, {
            qos,
            retain,
            ...(v5 ? { properties: { contentType, userProperties } } : {}),
          }),
          publishTimeoutMs,
          `The MQTT broker did not acknowledge the message for ${where}`,
        );
      } catch (error) {
        throw brokerFailure(`The MQTT broker did not take the message for ${where}`, error);
      }
      return accepted(message.id);
    };
  },
});
