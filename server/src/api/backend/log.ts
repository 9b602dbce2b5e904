import type { BackendLog, BackendLogError } from 'fusio-sdk';
import { EntityTable } from '../../db/entity-table.js';
import { Category } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { queryInt, queryString } from '../../http/query.js';
import { recordOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

interface LogRowView {
  id: number;
  operation_id: number | null;
  app_id: number | null;
  user_id: number | null;
  ip: string;
  user_agent: string;
  method: string;
  path: string;
  header: string;
  body: string | null;
  response_code: number | null;
  execution_time: number | null;
  date: number;
}

type LogView = BackendLog & {
  operationId?: number;
  appId?: number;
  userId?: number;
  responseCode?: number;
  executionTime?: number;
};

export function logView(row: LogRowView): LogView {
  const log: LogView = {
    id: row.id,
    ip: row.ip,
    userAgent: row.user_agent,
    method: row.method,
    path: row.path,
    header: row.header,
    date: isoDate(row.date),
  };
  if (row.body !== null) log.body = row.body;
  if (row.operation_id !== null) log.operationId = row.operation_id;
  if (row.app_id !== null) log.appId = row.app_id;
  if (row.user_id !== null) log.userId = row.user_id;
  if (row.response_code !== null) log.responseCode = row.response_code;
  if (row.execution_time !== null) log.executionTime = row.execution_time;
  return log;
}

function errorView(row: {
  id: number;
  log_id: number;
  message: string;
  trace: string;
  file: string;
  line: number;
  created_at: number;
}): BackendLogError {
  return {
    id: row.id,
    logId: row.log_id,
    message: row.message,
    trace: row.trace,
    file: row.file,
    line: row.line,
    insertDate: isoDate(row.created_at),
  };
}

/**
 * The `status` filter (a Portico addition): one status (`429`), a class (`4xx`, `5xx`), or several of
 * either separated by commas (`2xx,3xx`). The range of statuses each part covers, or a 400 naming it.
 */
export function statusRanges(value: string): [number, number][] {
  return value.split(',').map((raw) => {
    const part = raw.trim().toLowerCase();
    if (/^[1-5]xx$/.test(part)) {
      const base = Number(part[0]) * 100;
      return [base, base + 99];
    }
    if (/^[1-5]\d\d$/.test(part)) return [Number(part), Number(part)];
    throw badRequest(
      `Query parameter "status" must be an HTTP status (429) or a class (4xx), separated by commas; "${raw.trim()}" is neither`,
    );
  });
}

const logErrors = new EntityTable({ table: 'log_errors', label: 'error', searchColumns: ['message'] });

export const logOperations: SystemOperation[] = [
  ...recordOperations({
    names: { getAll: 'backend.log.getAll', get: 'backend.log.get' },
    path: '/backend/log',
    param: 'log_id',
    table: new EntityTable({ table: 'logs', label: 'log', searchColumns: ['path'] }),
    // the platform's own API calls are logged too; by default the listing shows the API's operations
    narrow: (query, { request }) => {
      const narrowed = query.where('category_id', '=', queryInt(request.query, 'categoryId') ?? Category.default);
      const status = queryString(request.query, 'status');
      if (status === undefined) return narrowed;
      const ranges = statusRanges(status);
      return narrowed.where((eb) =>
        eb.or(
          ranges.map(([low, high]) =>
            low === high
              ? eb('response_code', '=', low)
              : eb.and([eb('response_code', '>=', low), eb('response_code', '<=', high)]),
          ),
        ),
      );
    },
    filters: {
      from: ['since', 'date'],
      to: ['until', 'date'],
      operationId: ['equals', 'operation_id'],
      appId: ['equals', 'app_id'],
      userId: ['equals', 'user_id'],
      ip: ['is', 'ip'],
      method: ['is', 'method', (value) => value.toUpperCase()],
      userAgent: ['contains', 'user_agent'],
      path: ['contains', 'path'],
      header: ['contains', 'header'],
      body: ['contains', 'body'],
    },
    summary: logView,
    async detail(row, platform) {
      const errors = await platform.db.selectFrom('log_errors').selectAll().where('log_id', '=', row.id).execute();
      return { ...logView(row), errors: errors.map(errorView) };
    },
  }),
  ...recordOperations({
    names: { getAll: 'backend.log.getAllErrors', get: 'backend.log.getError' },
    path: '/backend/log/error',
    param: 'error_id',
    table: logErrors,
    summary: errorView,
  }),
];
