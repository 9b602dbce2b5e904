import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { sqliteDriverName } from '../db/sqlite-driver.js';
import { type PackedLogRows, packedRowWidth } from './log-writer.js';

/**
 * The thread's code, evaluated as a CommonJS script so that it runs the same from the sources (tsx), from
 * the build and from the package: it opens its own connection to the database file, writes each batch it
 * is handed in one transaction that takes the write lock when it begins (waiting up to the busy timeout
 * while the serving thread's connection holds it), and answers with the batch's id.
 */
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const insert = db.prepare(workerData.sql);
// rows go in groups of 16 per statement: one call into SQLite instead of sixteen (the last few one by one)
const group = 16;
const values = workerData.sql.slice(workerData.sql.indexOf(' values ') + 8);
const insertGroup = db.prepare(workerData.sql + (', ' + values).repeat(group - 1));
const width = workerData.width;
const params = new Array(width * group);
const orNull = (v) => (v !== v ? null : v);
// the rows of a PackedLogRows (log-writer.ts), read back in column order
const writeAll = db.transaction((packed) => {
  const n = packed.numbers;
  const all = packed.text;
  let at = 0;
  const text = (length) => {
    if (length < 0) return null;
    const value = all.slice(at, at + length);
    at += length;
    return value;
  };
  const grouped = packed.count - (packed.count % group);
  for (let r = 0, i = 0; r < packed.count; r++, i += width) {
    const row = r < grouped ? (r % group) * width : 0;
    params[row] = n[i];
    params[row + 1] = orNull(n[i + 1]);
    params[row + 2] = orNull(n[i + 2]);
    params[row + 3] = orNull(n[i + 3]);
    params[row + 4] = text(n[i + 7]);
    params[row + 5] = text(n[i + 8]);
    params[row + 6] = text(n[i + 9]);
    params[row + 7] = text(n[i + 10]);
    params[row + 8] = text(n[i + 11]);
    params[row + 9] = text(n[i + 12]);
    params[row + 10] = n[i + 4];
    params[row + 11] = n[i + 5];
    params[row + 12] = n[i + 6];
    params[row + 13] = n[i + 13];
    if (r >= grouped) insert.run(params.slice(0, width));
    else if (r % group === group - 1) insertGroup.run(params);
  }
});
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    writeAll.immediate(message.rows);
    parentPort.postMessage({ id: message.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: String((error && error.message) || error), code: error && error.code });
  }
});
`;

interface Batch {
  rows: PackedLogRows;
  resolve(): void;
  reject(error: Error): void;
  attempts: number;
  /** settles with the batch, whichever way */
  done?: Promise<void>;
}

type Reply = { id: number; ok: true } | { id: number; ok: false; message: string; code?: string };

export interface SqliteLogThreadOptions {
  /** the SQLite database file (not `:memory:`, which another connection cannot see) */
  file: string;
  /** `insert into logs (…) values (?, …)` */
  sql: string;
  logger: Logger;
  /** how long a batch waits for the write lock before it fails (and the buffer retries it) */
  busyTimeoutMs?: number;
  /** a batch whose thread died this many times is given back to the buffer, which retries it later */
  maxAttempts?: number;
}

/**
 * Writes request-log batches to SQLite on a worker thread with its own connection, so the inserts do not
 * take turns with requests on the serving event loop. A batch is settled only when the thread has
 * committed it: a failed write rejects (the caller keeps and retries the batch); a thread that dies
 * (crash, termination) is started again and its unanswered batches are sent again, in order. A batch
 * that committed just before its thread died, unanswered, is then written twice: at least once, never lost.
 */
export class SqliteLogThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly inFlight = new Map<number, Batch>();
  private closed = false;
  private readonly driver: string;
  private readonly maxAttempts: number;

  constructor(private readonly options: SqliteLogThreadOptions) {
    this.driver = createRequire(import.meta.url).resolve(sqliteDriverName);
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  /** batches handed over and not yet committed */
  get pending(): number {
    return this.inFlight.size;
  }

  write(rows: PackedLogRows): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the request log writer thread is closed'));
    let batch: Batch | undefined;
    const written = new Promise<void>((resolve, reject) => {
      batch = { rows, resolve, reject, attempts: 0 };
    });
    const id = this.nextId++;
    (batch as Batch).done = written.catch(() => {});
    this.inFlight.set(id, batch as Batch);
    this.send(id, batch as Batch);
    return written;
  }

  /** Stops the thread as a crash would (tests; the next batch, or the unanswered ones, start a new one). */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Waits for the batches handed over, then closes the thread's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.inFlight.values()].map((b) => b.done));
    const current = this.worker;
    if (!current) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.postMessage({ close: true });
    const timer = setTimeout(() => void current.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private send(id: number, batch: Batch): void {
    batch.attempts++;
    this.thread().postMessage({ id, rows: batch.rows });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadSource, {
      eval: true,
      workerData: {
        driver: this.driver,
        file: this.options.file,
        sql: this.options.sql,
        busyTimeoutMs: this.options.busyTimeoutMs ?? 5_000,
        // the numbers per row of a PackedLogRows, and the placeholders per row of the statement
        width: packedRowWidth,
      },
      // the thread needs none of the serving process's flags (profilers, loaders)
      execArgv: [],
    });
    // idle, it must not keep the process alive; close() waits for what it holds
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.options.logger.error({ err: error }, 'the request log writer thread failed'));
    worker.on('exit', (code) => this.exited(worker, code));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const batch = this.inFlight.get(reply.id);
    if (!batch) return;
    this.inFlight.delete(reply.id);
    if (reply.ok) batch.resolve();
    else batch.reject(Object.assign(new Error(reply.message), { code: reply.code }));
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    if (this.inFlight.size === 0) return;
    this.options.logger.warn(
      { code, batches: this.inFlight.size },
      'the request log writer thread stopped; starting it again and sending its batches again',
    );
    for (const [id, batch] of [...this.inFlight]) {
      if (batch.attempts >= this.maxAttempts) {
        this.inFlight.delete(id);
        batch.reject(new Error('the request log writer thread stopped repeatedly while writing this batch'));
      } else this.send(id, batch);
    }
  }
}
