import amqplib, { type ChannelModel, type ConfirmChannel, type Message, type Options } from 'amqplib';
import type { ActionLogger } from '../plugins/action.js';
import { defineConnectionType } from '../plugins/connection.js';

export interface AmqpConfig {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  vhost?: string;
}

/** Where a message goes: an exchange and routing key, or the default exchange straight into a queue. */
export interface AmqpTarget {
  exchange: string;
  exchangeType: 'direct' | 'fanout' | 'topic' | 'headers';
  routingKey: string;
  queue: string;
  /** declare the (durable) exchange, queue and binding first; off when the worker owns the topology */
  declare: boolean;
}

/** Thrown when the broker answered but did not take the message (nack, unroutable, blocked). */
export class AmqpRefused extends Error {
  override readonly name = 'AmqpRefused';
}

/**
 * One AMQP connection with one confirm channel for publishing. The channel is reopened after a
 * channel-level error (e.g. a missing exchange); once the connection itself is closed the client is dead
 * (`closed`) and the connection manager builds a new one.
 */
export class AmqpClient {
  closed = false;
  private blocked: string | null = null;
  private channel: Promise<ConfirmChannel> | null = null;
  private declared = new Set<string>();
  /** ids of messages the broker returned as unroutable; a return always arrives before its ack */
  private returned = new Set<string>();
  private lastChannelError: Error | null = null;

  constructor(
    readonly connection: ChannelModel,
    private readonly logger: ActionLogger,
  ) {
    connection.on('error', (error: Error) => logger.warn('AMQP connection error', { error: error.message }));
    connection.on('close', () => {
      this.closed = true;
      this.channel = null;
    });
    connection.on('blocked', (reason: string) => {
      this.blocked = reason || 'resource alarm';
    });
    connection.on('unblocked', () => {
      this.blocked = null;
    });
  }

  /** Publishes one persistent message and resolves once the broker confirmed it. */
  async publish(target: AmqpTarget, content: Buffer, options: Options.Publish & { messageId: string }): Promise<void> {
    if (this.closed) throw new Error('the connection to the broker is closed');
    if (this.blocked) throw new AmqpRefused(`the broker is blocking publishers (${this.blocked})`);
    const channel = await this.confirmChannel();
    try {
      await this.declare(channel, target);
      const exchange = target.exchange;
      const routingKey = exchange === '' ? target.queue : target.routingKey;
      await new Promise<void>((resolve, reject) => {
        channel.publish(exchange, routingKey, content, { ...options, persistent: true, mandatory: true }, (error) =>
          error ? reject(error) : resolve(),
        );
      });
    } catch (error) {
      this.returned.delete(options.messageId);
      throw this.explain(error);
    }
    if (this.returned.delete(options.messageId)) {
      const where = target.exchange === '' ? `queue "${target.queue}"` : `exchange "${target.exchange}"`;
      throw new AmqpRefused(`the message could not be routed: no queue is bound for it at ${where}`);
    }
  }

  /** amqplib reports a lost channel as "channel closed"; the broker's close reason says why. */
  private explain(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    if (error.message === 'message nacked') return new AmqpRefused('the broker refused the message (nack)');
    if (/channel closed/i.test(error.message) && this.lastChannelError) return this.lastChannelError;
    return error;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private confirmChannel(): Promise<ConfirmChannel> {
    if (!this.channel) {
      const pending = this.connection.createConfirmChannel();
      this.channel = pending;
      this.lastChannelError = null;
      pending.then(
        (channel) => {
          channel.on('error', (error: Error) => {
            this.lastChannelError = error;
            this.logger.warn('AMQP channel error', { error: error.message });
          });
          channel.on('return', (message: Message) => {
            const id = message.properties.messageId as unknown;
            if (typeof id === 'string') this.returned.add(id);
          });
          channel.on('close', () => {
            if (this.channel === pending) {
              this.channel = null;
              this.declared.clear();
            }
          });
        },
        () => {
          if (this.channel === pending) this.channel = null;
        },
      );
    }
    return this.channel;
  }

  private async declare(channel: ConfirmChannel, target: AmqpTarget): Promise<void> {
    if (!target.declare) return;
    const key = JSON.stringify([target.exchange, target.exchangeType, target.queue, target.routingKey]);
    if (this.declared.has(key)) return;
    if (target.queue) await channel.assertQueue(target.queue, { durable: true });
    if (target.exchange) {
      await channel.assertExchange(target.exchange, target.exchangeType, { durable: true });
      if (target.queue) await channel.bindQueue(target.queue, target.exchange, target.routingKey);
    }
    this.declared.add(key);
  }
}

/** RabbitMQ (or any AMQP 0-9-1 broker); Fusio's AMQP connection. */
export const amqpConnection = defineConnectionType<AmqpConfig, AmqpClient>({
  class: 'Fusio.Adapter.Amqp.Connection.Amqp',
  name: 'AMQP',
  description: 'Connects to an AMQP 0-9-1 broker such as RabbitMQ',
  config: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, title: 'Host', description: 'The IP or hostname of the RabbitMQ server' },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        default: 5672,
        title: 'Port',
        description: 'The port of the AMQP broker, 5672 by default',
      },
      user: { type: 'string', default: 'guest', title: 'User', description: 'The user to log in with' },
      password: {
        type: 'string',
        default: 'guest',
        title: 'Password',
        description: 'The password to log in with',
        'x-secret': true,
      },
      vhost: { type: 'string', default: '/', title: 'VHost', description: 'The virtual host on the broker' },
    },
    required: ['host'],
  },
  async connect(config, env) {
    const connection = await amqplib.connect(
      {
        protocol: 'amqp',
        hostname: config.host,
        port: config.port ?? 5672,
        username: config.user ?? 'guest',
        password: config.password ?? 'guest',
        vhost: config.vhost || '/',
        // a broker that vanished without closing the socket is noticed within about 30 s
        heartbeat: 15,
      },
      { timeout: 5000, clientProperties: { connection_name: 'portico' } },
    );
    return new AmqpClient(connection, env.logger);
  },
  async ping(client) {
    // a channel round trip proves the login and the vhost permissions
    const channel = await client.connection.createChannel();
    await channel.close();
  },
  isAlive: (client) => !client.closed,
  close: (client) => client.close(),
});
