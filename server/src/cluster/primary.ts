import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config.js';
import { MemoryClientErrors } from '../firewall/client-errors.js';
import { PrimaryWindows, type TakeRequest } from '../limits/ipc-store.js';
import { createPlatform } from '../runtime/create-platform.js';
import { portico } from '../version.js';
import { IpcPeer, type IpcPort } from './ipc.js';
import { mergeMetrics } from './metrics-merge.js';
import { printAdminPassword } from './serve-process.js';

/** First restart of a crashed worker after this long; doubled for each crash soon after a start. */
const restartBaseMs = 500;
const restartMaxMs = 30_000;
/** A worker that ran at least this long before dying counts as healthy: its restart starts the backoff over. */
const healthyRunMs = 10_000;
/** Workers get the grace period plus this to stop before they are killed. */
const stopAllowanceMs = 15_000;

interface Slot {
  readonly index: number;
  worker: Worker | null;
  peer: IpcPeer | null;
  startedAt: number;
  listening: boolean;
  /** consecutive runs that died soon after starting */
  failures: number;
  timer: NodeJS.Timeout | null;
}

function workerPort(worker: Worker): IpcPort {
  return {
    send: (message) => worker.send(message),
    on: (event, listener) => worker.on(event, listener),
    off: (event, listener) => worker.off(event, listener),
    get connected() {
      return worker.isConnected();
    },
  };
}

/**
 * The primary of `portico serve --workers N`: prepares the system database once (migrations, defaults, the
 * administrator), then forks the workers, which share the listening socket. It holds what the workers
 * count together (rate limits without Redis, the firewall's client errors), merges their metrics, restarts a worker that
 * dies (with backoff), and forwards SIGTERM/SIGINT (stop) and SIGHUP (reload custom actions).
 */
export async function runPrimary(config: PorticoConfig, logger: Logger): Promise<void> {
  const log = logger.child({ role: 'primary' });
  // from the first moment: a SIGHUP's default is to end the process, and a reload must never stop the cluster
  let slots: Slot[] = [];
  process.on('SIGHUP', () => {
    // a worker still starting loads the custom actions as they are now anyway; it must not get a signal it
    // has no handler for yet
    const ready = slots.filter((s) => s.worker && s.listening);
    log.info({ workers: ready.length }, 'reloading custom actions in every worker that is serving');
    for (const slot of ready) slot.worker?.process.kill('SIGHUP');
  });
  log.info({ workers: config.workers }, 'preparing the system database before starting the workers');
  // one process migrates and creates the administrator (and the secret key file) before any worker starts
  const prepared = await createPlatform(config, {
    logger: logger.child({ role: 'primary' }),
    events: { worker: false, scheduler: false },
    pointsRenewalIntervalMs: 0,
  });
  const password = prepared.generatedAdminPassword;
  await prepared.close();
  if (password) printAdminPassword(config, password);

  const windows = new PrimaryWindows();
  const clientErrors = new MemoryClientErrors();
  const sweeper = setInterval(() => {
    windows.sweep();
    clientErrors.sweep();
  }, 10_000);
  sweeper.unref();
  let restarts = 0;

  slots = Array.from({ length: config.workers }, (_, index) => ({
    index,
    worker: null,
    peer: null,
    startedAt: 0,
    listening: false,
    failures: 0,
    timer: null,
  }));
  let stopping = false;
  let started = false;
  let exitCode = 0;
  let finish: () => void = () => {};

  const collectMetrics = async (): Promise<string> => {
    const live = slots.filter((s) => s.worker !== null && s.peer !== null && s.listening);
    const parts = await Promise.all(
      live.map(async (s) => {
        try {
          return {
            worker: (s.worker as Worker).id,
            text: await (s.peer as IpcPeer).call<string>('render', null, 3_000),
          };
        } catch (error) {
          log.warn({ worker: s.worker?.id, err: (error as Error).message }, 'a worker did not report its metrics');
          return null;
        }
      }),
    );
    const extra = [
      '# HELP portico_cluster_workers Worker processes serving requests',
      '# TYPE portico_cluster_workers gauge',
      `portico_cluster_workers ${live.length}`,
      '# HELP portico_cluster_worker_restarts_total Workers restarted after they died unexpectedly',
      '# TYPE portico_cluster_worker_restarts_total counter',
      `portico_cluster_worker_restarts_total ${restarts}`,
      '',
    ].join('\n');
    return mergeMetrics(
      parts.filter((p): p is { worker: number; text: string } => p !== null),
      extra,
    );
  };

  const handlers = {
    rate: (batch: unknown) => windows.takeAll(batch as TakeRequest[]),
    clientError: (params: unknown) => {
      const [address, windowMs, max] = params as [string, number, number];
      return clientErrors.hit(String(address), Number(windowMs), Number(max));
    },
    metrics: () => collectMetrics(),
  };

  const fork = (slot: Slot) => {
    slot.timer = null;
    const worker = cluster.fork({ PORTICO_WORKER_SLOT: String(slot.index) });
    slot.worker = worker;
    slot.peer = new IpcPeer(workerPort(worker), handlers);
    slot.startedAt = Date.now();
    slot.listening = false;
    log.info({ worker: worker.id, workerPid: worker.process.pid, slot: slot.index }, 'worker started');
  };

  let resolveReady: () => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });

  cluster.on('listening', (worker) => {
    const slot = slots.find((s) => s.worker === worker);
    if (!slot) return;
    slot.listening = true;
    log.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker listening');
    if (!started && slots.every((s) => s.listening)) {
      started = true;
      resolveReady();
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.find((s) => s.worker === worker);
    if (!slot) return;
    slot.peer?.close();
    slot.worker = null;
    slot.peer = null;
    const wasListening = slot.listening;
    slot.listening = false;
    if (stopping) {
      log.info({ worker: worker.id, code, signal }, 'worker stopped');
      if (code !== 0) exitCode = 1;
      if (slots.every((s) => s.worker === null)) finish();
      return;
    }
    if (!started && !wasListening) {
      // it could not even start (port taken, database unreachable, bad setting): neither can the others;
      // exit code 2 means it said which setting on stderr, and the cluster ends the same way
      if (code === 2) exitCode = 2;
      rejectReady(new Error(`Worker ${worker.id} exited with ${signal ?? `code ${code}`} before it was listening`));
      return;
    }
    const ranMs = Date.now() - slot.startedAt;
    slot.failures = ranMs >= healthyRunMs ? 0 : slot.failures + 1;
    const delay = Math.min(restartMaxMs, restartBaseMs * 2 ** slot.failures);
    restarts++;
    log.error(
      { worker: worker.id, workerPid: worker.process.pid, code, signal, restartInMs: delay },
      'worker died unexpectedly; starting a new one',
    );
    slot.timer = setTimeout(() => fork(slot), delay);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the workers');
    for (const slot of slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
    }
    const running = slots.filter((s) => s.worker !== null);
    const killer = setTimeout(() => {
      for (const slot of slots) {
        if (slot.worker) {
          log.error({ worker: slot.worker.id }, 'worker did not stop in time; killing it');
          slot.worker.process.kill('SIGKILL');
        }
      }
      exitCode = 1;
    }, config.shutdownGraceMs + stopAllowanceMs);
    killer.unref();
    finish = () => {
      clearTimeout(killer);
      clearInterval(sweeper);
      log.info({ code: exitCode }, 'all workers stopped');
      process.exit(exitCode);
    };
    if (running.length === 0) {
      finish();
      return;
    }
    for (const slot of running) slot.worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (const slot of slots) fork(slot);
  try {
    await ready;
  } catch (error) {
    log.error({ err: (error as Error).message }, 'workers could not start; stopping');
    if (exitCode !== 2) exitCode = 1;
    stop('SIGTERM');
    return;
  }
  log.info(
    { url: config.publicUrl, workers: config.workers, database: config.databaseUrl.split(':')[0] },
    `Portico ${portico.version} listening`,
  );
}
