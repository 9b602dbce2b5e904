/**
 * One Portico node in its own process, for stories that kill it: `node --import tsx events-node.ts`.
 * Configured by the usual environment (DATABASE_URL, PORT, …); PORTICO_TEST_EVENTS holds the event
 * options as JSON. Prints "ready" once it listens; SIGTERM closes it gracefully.
 */
import pino from 'pino';
import { createPortico } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { EventOptions } from '../../src/events/event-service.js';

const config = loadConfig();
const events = JSON.parse(process.env.PORTICO_TEST_EVENTS ?? '{}') as EventOptions;
const portico = await createPortico(config, { logger: pino({ level: config.logLevel }), events });
await portico.fastify.listen({ port: config.port, host: config.host });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  portico.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
