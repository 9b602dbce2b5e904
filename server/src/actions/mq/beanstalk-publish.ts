import { BeanstalkClient, beanstalkConnection } from '../../connections/beanstalk.js';
import { PorticoError } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { messageEnvelope, messageFromRequest } from './message.js';
import {
  accepted,
  brokerFailure,
  connectionProperty,
  publishTimeoutMs,
  withTimeout,
  wrongConnection,
} from './publish.js';

interface BeanstalkPublishConfig {
  connection: string;
  tube: string;
  priority?: number;
  delay?: number;
  ttr?: number;
  envelope?: boolean;
}

const uint32 = 2 ** 32 - 1;

/**
 * Puts the request into a beanstalkd tube as one job and answers 202 once beanstalkd stored it. A job
 * carries bytes only, so by default it is a JSON envelope with the message id and metadata around the
 * body (see ./README.md); without the envelope the job is the bare body, as in Fusio.
 */
export const beanstalkPublishAction = defineActionType<BeanstalkPublishConfig>({
  class: 'Fusio.Adapter.Beanstalk.Action.BeanstalkPublish',
  name: 'Beanstalk-Publish',
  description: 'Puts the request body into a beanstalkd tube as a job and answers 202',
  config: {
    type: 'object',
    properties: {
      connection: connectionProperty('Beanstalk', [beanstalkConnection.class]),
      tube: {
        type: 'string',
        // beanstalkd's name rules: up to 200 of these characters, not starting with a hyphen
        pattern: '^[A-Za-z0-9+/;.$_()][A-Za-z0-9+/;.$_()-]{0,199}$',
        title: 'Tube',
        description: 'The tube the worker watches',
      },
      priority: {
        type: 'integer',
        minimum: 0,
        maximum: uint32,
        default: 1024,
        title: 'Priority',
        description: 'Lower is more urgent; 0 is the most urgent',
      },
      delay: {
        type: 'integer',
        minimum: 0,
        maximum: uint32,
        default: 0,
        title: 'Delay',
        description: 'Seconds before the job becomes ready',
      },
      ttr: {
        type: 'integer',
        minimum: 1,
        maximum: uint32,
        default: 60,
        title: 'Time to run',
        description: 'Seconds a worker may hold the job before beanstalkd hands it to another',
      },
      envelope: {
        type: 'boolean',
        default: true,
        title: 'Envelope',
        description:
          'Wrap the body in a JSON envelope with the message id, operation and user; off sends the bare body',
      },
    },
    required: ['connection', 'tube'],
  },
  create(config) {
    const options = { priority: config.priority ?? 1024, delay: config.delay ?? 0, ttr: config.ttr ?? 60 };
    const envelope = config.envelope ?? true;
    const where = `tube "${config.tube}"`;
    return async (request, context) => {
      const client = await context.connections.get(config.connection);
      if (!(client instanceof BeanstalkClient)) throw wrongConnection(config.connection, 'Beanstalk');
      const message = messageFromRequest(request, context);
      const payload = envelope ? messageEnvelope(message) : message.body;
      let job: { id: number; state: string };
      try {
        job = await withTimeout(
          client.put(config.tube, payload, options),
          publishTimeoutMs,
          `beanstalkd did not store the job for ${where}`,
        );
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'JOB_TOO_BIG' || code === 'ErrPayloadTooBig') {
          throw new PorticoError('PAYLOAD_TOO_LARGE', `The job is larger than beanstalkd accepts for ${where}`);
        }
        throw brokerFailure(`beanstalkd did not take the job for ${where}`, error);
      }
      // BURIED: beanstalkd ran out of memory; the job exists but no worker will get it
      if (job.state === 'buried') {
        throw brokerFailure(`beanstalkd did not take the job for ${where}`, new Error('out of memory, job buried'));
      }
      return accepted(message.id);
    };
  },
});
