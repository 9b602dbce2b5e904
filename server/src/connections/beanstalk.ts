import { Client } from 'node-beanstalk';
import { Connection } from 'node-beanstalk/dist/Connection.js';
import type { ActionLogger } from '../plugins/action.js';
import { defineConnectionType } from '../plugins/connection.js';

export interface BeanstalkConfig {
  host: string;
  port?: number;
}

export interface BeanstalkPut {
  priority: number;
  delay: number;
  ttr: number;
}

/** Bytes in, bytes out: the action decides what a job's payload is. */
const rawPayload = {
  serialize: (data: unknown): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(String(data))),
  deserialize: (buffer: Buffer): Buffer => buffer,
};

/** How long one command may wait for beanstalkd's answer. */
const commandTimeoutMs = 5000;

/**
 * One beanstalkd connection. node-beanstalk runs commands one after another in the order they were
 * issued, and does not notice a socket the server closed: this wrapper watches the socket, fails the
 * waiting commands when it goes, and then reports itself dead so the manager builds a new one.
 */
export class BeanstalkClient {
  lost: Error | null = null;
  private readonly waiting = new Set<(error: Error) => void>();
  /** the tube the server uses for this connection, as of the last command issued */
  private usedTube: string | null = 'default';

  constructor(
    readonly client: Client,
    private readonly connection: Connection,
    logger: ActionLogger,
  ) {
    connection.on('error', (error: Error) => {
      logger.warn('beanstalkd connection error', { error: error.message });
      this.fail(error);
    });
    connection.on('close', () => this.fail(new Error('the connection was closed by the server')));
  }

  /** Puts one job into a tube; resolves with the job id beanstalkd assigned. */
  async put(tube: string, payload: Buffer, options: BeanstalkPut): Promise<{ id: number; state: string }> {
    // both commands are queued at once, so no other put can slip in between `use` and `put`
    const use = this.usedTube === tube ? null : this.client.use(tube);
    this.usedTube = tube;
    const put = this.client.put(payload, options.ttr, options.priority, options.delay);
    if (use) {
      use.catch(() => {
        this.usedTube = null;
      });
    }
    const [, job] = await this.guard(Promise.all([use, put]));
    return job;
  }

  async stats(): Promise<Record<string, unknown>> {
    return (await this.guard(this.client.stats())) as unknown as Record<string, unknown>;
  }

  async close(): Promise<void> {
    if (this.connection.getState() !== 'open') return;
    const lost = this.lost;
    this.fail(new Error('the connection was closed'));
    // a lost connection may hold a command that never completes; close its socket past the command queue
    if (lost) await this.connection.close();
    else await this.client.disconnect(true);
  }

  /** Races a command against the loss of the socket and a timeout. */
  private guard<T>(command: Promise<T>): Promise<T> {
    if (this.lost) {
      command.catch(() => {});
      return Promise.reject(this.lost);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reject);
        // an unanswered command leaves the connection's command queue stuck: drop the connection
        this.fail(new Error(`beanstalkd did not answer within ${commandTimeoutMs / 1000} s`));
        reject(this.lost);
      }, commandTimeoutMs);
      this.waiting.add(reject);
      command.then(
        (value) => {
          clearTimeout(timer);
          this.waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  private fail(error: Error): void {
    if (!this.lost) this.lost = error;
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }
}

/** A beanstalkd work queue; Fusio's Beanstalk connection. */
export const beanstalkConnection = defineConnectionType<BeanstalkConfig, BeanstalkClient>({
  class: 'Fusio.Adapter.Beanstalk.Connection.Beanstalk',
  name: 'Beanstalk',
  description: 'Connects to a beanstalkd work queue',
  config: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, title: 'Host', description: 'The IP or hostname of the Beanstalk server' },
      port: {
        type: 'integer',
        minimum: 1,
        maximum: 65535,
        default: 11300,
        title: 'Port',
        description: 'The port of the Beanstalk server, 11300 by default',
      },
    },
    required: ['host'],
  },
  async connect(config, env) {
    const connection = new Connection();
    const client = new Client(
      {
        host: config.host,
        port: config.port ?? 11300,
        serializer: rawPayload,
        // beanstalkd itself enforces its max job size (-z) and answers JOB_TOO_BIG
        maxPayloadSize: 16 * 1024 * 1024,
      },
      connection,
    );
    const wrapper = new BeanstalkClient(client, connection, env.logger);
    try {
      await connectWithin(client, 5000);
    } catch (error) {
      wrapper.close().catch(() => {});
      throw error;
    }
    return wrapper;
  },
  async ping(client) {
    await client.stats();
  },
  isAlive: (client) => client.lost === null,
  close: (client) => client.close(),
});

function connectWithin(client: Client, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`could not connect within ${ms / 1000} s`));
    }, ms);
    client.connect().then(
      () => {
        clearTimeout(timer);
        // connected after the caller gave up: nobody will use this socket
        if (late) client.disconnect(true).catch(() => {});
        else resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
