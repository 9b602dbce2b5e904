import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { createPortico } from '../app.js';
import type { PorticoConfig } from '../config.js';
import { adminNameOf } from '../runtime/create-platform.js';
import { portico } from '../version.js';
import type { ClusterMember } from './member.js';

/**
 * Printed once, on standard error (the terminal, never the JSON log on standard output): the hash is all
 * that is stored. `portico user password NAME` sets a new one.
 */
export function printAdminPassword(config: PorticoConfig, password: string): void {
  const email = config.adminEmail ?? 'admin@localhost.localdomain';
  const name = adminNameOf(email);
  process.stderr.write(
    `\n  Created the administrator account.\n  Log in as:   ${name} (or ${email})\n  Password:    ${password}\n  It is shown once. The admin app: ${config.publicUrl}/apps/backend/ — a new password: npx portico user password ${name}\n\n`,
  );
}

/** Beyond the grace period, closing the platform (flushing logs, closing pools) may take this much longer. */
const closeAllowanceMs = 15_000;

/**
 * Runs one serving process: the only one (`portico serve`) or a worker of `serve --workers N`. SIGTERM and
 * SIGINT stop it gracefully (no new connections, requests in flight finish within SHUTDOWN_GRACE_PERIOD,
 * buffered request logs and outboxes are written, then exit 0); SIGHUP reloads custom actions. A worker
 * whose primary is gone stops the same way.
 */
export async function serveProcess(
  config: PorticoConfig,
  logger: Logger,
  options: { cluster?: ClusterMember } = {},
): Promise<void> {
  // a SIGHUP while starting must not end the process (its default): the actions being loaded are current
  let reload: (() => void) | null = null;
  process.on('SIGHUP', () => {
    if (reload) reload();
    else logger.info('SIGHUP while starting: custom actions are being loaded anyway');
  });
  const app = await createPortico(config, { logger, cluster: options.cluster });
  await app.fastify.listen({ port: config.port, host: config.host });
  if (options.cluster) {
    logger.debug({ pid: process.pid }, 'worker listening');
  } else {
    logger.info(
      { url: config.publicUrl, database: config.databaseUrl.split(':')[0] },
      `Portico ${portico.version} listening`,
    );
  }
  if (app.generatedAdminPassword) printAdminPassword(config, app.generatedAdminPassword);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { reason, gracePeriodMs: config.shutdownGraceMs },
      'shutting down: no new connections, finishing requests in flight',
    );
    // closing the platform after the grace period is bounded too: a process that cannot stop is not stopping
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + closeAllowanceMs);
    deadline.unref();
    app
      .close()
      .then(() => {
        options.cluster?.close();
        logger.info('shut down');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  reload = () => {
    app
      .reloadActions()
      .then((report) =>
        logger.info({ loaded: report.loaded.length, failed: report.failed.length }, 'custom actions reloaded'),
      )
      .catch((error: unknown) => logger.error({ err: error }, 'reloading custom actions failed'));
  };
  // the primary is gone (killed): nobody signals this worker any more. Node would exit it at once, cutting
  // requests in flight and losing buffered logs; marking the disconnect as expected lets it stop gracefully
  const worker = cluster.worker;
  if (options.cluster && worker) {
    worker.on('disconnect', () => {
      worker.exitedAfterDisconnect = true;
      stop('the primary process is gone');
    });
  }
}
