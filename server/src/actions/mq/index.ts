import type { ActionType } from '../../plugins/action.js';
import { amqpPublishAction } from './amqp-publish.js';
import { beanstalkPublishAction } from './beanstalk-publish.js';
import { mqttPublishAction } from './mqtt-publish.js';
import { natsPublishAction } from './nats-publish.js';
import { redisStreamPublishAction } from './redis-stream-publish.js';

/** The message-queue door: a write request becomes a message for a background worker (see README.md). */
// biome-ignore lint/suspicious/noExplicitAny: action types of every config shape
export const mqActionTypes: ActionType<any>[] = [
  amqpPublishAction,
  beanstalkPublishAction,
  mqttPublishAction,
  natsPublishAction,
  redisStreamPublishAction,
];
