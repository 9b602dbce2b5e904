import type { ConnectionType } from '../plugins/connection.js';
import { amqpConnection } from './amqp.js';
import { beanstalkConnection } from './beanstalk.js';
import { filesystemConnection } from './filesystem.js';
import { httpConnection } from './http.js';
import { mqttConnection } from './mqtt.js';
import { natsConnection } from './nats.js';
import { redisConnection } from './redis.js';
import { smtpConnection } from './smtp.js';
import { sqlAdvancedConnection, sqlConnection } from './sql.js';

/** The built-in connection types, one line per type; each lives in its own file in this folder. */
// biome-ignore lint/suspicious/noExplicitAny: connection types of every config shape
export const builtInConnectionTypes: ConnectionType<any, any>[] = [
  sqlConnection,
  sqlAdvancedConnection,
  httpConnection,
  amqpConnection,
  beanstalkConnection,
  mqttConnection,
  natsConnection,
  redisConnection,
  smtpConnection,
  filesystemConnection,
];
