import type { IncomingHttpHeaders } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName, RawDriver } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';
import { BatchBuffer } from './batch-buffer.js';
import { createLogWriter, insertLogRowSql, type LogRowValues, packLogRows } from './log-writer.js';
import { SqliteLogThread } from './sqlite-log-thread.js';

export interface RequestLogEntry {
  categoryId: number;
  operationId: number | null;
  appId: number | null;
  userId: number | null;
  ip: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** request body bytes, when the operation allows logging them */
  body: Buffer | string | undefined;
  responseCode: number;
  executionTime: number;
  date: number;
  error?: { message: string; trace: string } | undefined;
  /** how the request arrived; absent: HTTP */
  channel?: Channel;
}

/** How a request reached the pipeline: the `channel` column of the request log. */
export const Channel = { http: 0, mcp: 1, jsonrpc: 2 } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

/** Where request logs go. The gateway only appends; writing happens elsewhere, in batches. */
export interface RequestLogSink {
  record(entry: RequestLogEntry): void;
  /** writes everything buffered so far */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly pending: number;
  readonly dropped: number;
}

const redacted = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const maxBody = 4096;

export function headerText(headers: IncomingHttpHeaders): string {
  const lines: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const shown = redacted.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    lines.push(`${name}: ${shown}`);
  }
  return lines.join('\n');
}

function bodyText(body: Buffer | string | undefined): string | null {
  if (body === undefined || body.length === 0) return null;
  const text = typeof body === 'string' ? body : body.subarray(0, maxBody).toString('utf8');
  return text.length > maxBody ? text.slice(0, maxBody) : text;
}

export interface BatchOptions {
  intervalMs?: number;
  batchSize?: number;
  /** beyond this many unwritten entries the oldest are dropped (and counted), so memory stays bounded */
  maxBuffered?: number;
  /**
   * SQLite in a file: write on a worker thread with its own connection (the default), not on the
   * serving event loop (REQUEST_LOG_THREAD=false)
   */
  thread?: boolean;
}

/**
 * Buffers request logs in memory and writes them to the system database in multi-row inserts, off the
 * hot path: on SQLite (a file) from a worker thread, elsewhere by the database server. A failed write
 * keeps the batch and retries; `close()` writes what is left.
 */
export class DatabaseRequestLog implements RequestLogSink {
  private readonly batches: BatchBuffer<RequestLogEntry>;
  private readonly writeRows: (rows: LogRowValues[]) => Promise<void>;
  /** the SQLite writer thread, when there is one */
  readonly thread: SqliteLogThread | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    raw: RawDriver,
    logger: Logger,
    options: BatchOptions = {},
  ) {
    if (raw.dialect === 'sqlite' && !raw.sqlite.memory && options.thread !== false) {
      const thread = new SqliteLogThread({ file: raw.sqlite.name, sql: insertLogRowSql, logger });
      this.thread = thread;
      this.writeRows = (rows) => thread.write(packLogRows(rows));
    } else this.writeRows = createLogWriter(raw);
    this.batches = new BatchBuffer({ ...options, write: (batch) => this.write(batch), logger, what: 'request logs' });
  }

  get pending(): number {
    return this.batches.pending;
  }

  get dropped(): number {
    return this.batches.dropped;
  }

  record(entry: RequestLogEntry): void {
    this.batches.record(entry);
  }

  flush(): Promise<void> {
    return this.batches.flush();
  }

  async close(): Promise<void> {
    await this.batches.close();
    await this.thread?.close();
  }

  private async write(batch: RequestLogEntry[]): Promise<void> {
    const plain = batch.filter((e) => !e.error);
    if (plain.length > 0) await this.writeRows(plain.map(toValues));
    for (const entry of batch) {
      if (!entry.error) continue;
      await this.db.transaction().execute(async (trx) => {
        const logId = await insertWithId(trx.insertInto('logs').values(toRow(entry)), this.dialect);
        await trx
          .insertInto('log_errors')
          .values({
            log_id: logId,
            message: entry.error!.message.slice(0, 500),
            trace: entry.error!.trace,
            file: '',
            line: 0,
            created_at: entry.date,
          })
          .execute();
      });
    }
  }
}

function toRow(entry: RequestLogEntry) {
  return {
    category_id: entry.categoryId,
    operation_id: entry.operationId,
    app_id: entry.appId,
    user_id: entry.userId,
    ip: entry.ip.slice(0, 45),
    user_agent: String(entry.headers['user-agent'] ?? '').slice(0, 255),
    method: entry.method,
    path: entry.path.slice(0, 1023),
    header: headerText(entry.headers),
    body: bodyText(entry.body),
    response_code: entry.responseCode,
    execution_time: Math.round(entry.executionTime),
    date: entry.date,
    channel: entry.channel ?? Channel.http,
  };
}

function toValues(entry: RequestLogEntry): LogRowValues {
  const row = toRow(entry);
  return [
    row.category_id,
    row.operation_id,
    row.app_id,
    row.user_id,
    row.ip,
    row.user_agent,
    row.method,
    row.path,
    row.header,
    row.body,
    row.response_code,
    row.execution_time,
    row.date,
    row.channel,
  ];
}
