import type { Log } from './app.mjs';
import type { HostingDatabase } from './database.mjs';

export function startWorker(options: {
  db: HostingDatabase;
  amqpUrl: string;
  queue: string;
  callbackUrl?: string;
  secret?: string;
  log?: Log;
}): Promise<{ close(): Promise<void> }>;
