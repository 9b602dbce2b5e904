// The background worker: takes shutdown commands from a RabbitMQ queue, changes the server's state in
// the app's database, and tells Portico, which raises `server.state_changed`.
import amqplib from 'amqplib';
import { notifier } from './notify.mjs';

export async function startWorker({ db, amqpUrl, queue, callbackUrl, secret, log = console }) {
  const notify = notifier({ callbackUrl, secret, log });
  const connection = await amqplib.connect(amqpUrl);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true });
  await channel.prefetch(1);
  await channel.consume(queue, async (message) => {
    if (!message) return;
    const headers = message.properties.headers ?? {};
    // Portico's AMQP action puts the path parameters in `param-<name>` headers
    const id = Number(headers['param-id']);
    try {
      if (!Number.isInteger(id) || id <= 0) {
        log.error(`shutdown without a server id (message ${message.properties.messageId}): dropped`);
        channel.ack(message);
        return;
      }
      const changed = await db.setState(id, 'stopped');
      if (changed) {
        log.info?.(`server ${changed.name} stopped (message ${message.properties.messageId})`);
        await notify(changed, headers['user-id']);
      }
      channel.ack(message);
    } catch (error) {
      log.error(`shutdown of ${id} failed, back to the queue: ${error.message}`);
      setTimeout(() => channel.nack(message, false, true), 1000);
    }
  });
  return {
    close: async () => {
      await channel.close().catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}
