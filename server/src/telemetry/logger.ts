import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { PorticoConfig } from '../config.js';

/**
 * The process's logger: JSON lines by default (for log collectors), readable lines when standard output is
 * a terminal or LOG_FORMAT=pretty says so.
 */
export function createLogger(config: Pick<PorticoConfig, 'logLevel' | 'logFormat'>): Logger {
  const readable = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  if (!readable) return pino({ level: config.logLevel });
  return pino(
    { level: config.logLevel },
    pretty({
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
      sync: true,
    }),
  );
}
