import type { HostingDatabase } from './database.mjs';

export interface Log {
  info?(message: string): void;
  error(message: string): void;
}

export function startLegacyApp(options: {
  db: HostingDatabase;
  port?: number;
  host?: string;
  callbackUrl?: string;
  secret?: string;
  log?: Log;
}): Promise<{ url: string; close(): Promise<void> }>;
