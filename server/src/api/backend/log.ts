import type { BackendLog, BackendLogError } from 'fusio-sdk';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { Category } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { filterByQuery, paging, queryInt } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

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

export const logOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.log.getAll',
    method: 'GET',
    path: '/backend/log',
    async handler({ platform, request }) {
      const q = request.query;
      const page = paging(q);
      let query = platform.db.selectFrom('logs');
      // the platform's own API calls are logged too; by default the listing shows the API's operations
      const category = queryInt(q, 'categoryId') ?? Category.default;
      query = query.where('category_id', '=', category);
      if (page.search) query = query.where(containsIgnoreCase('path', page.search));
      query = filterByQuery(query, q, {
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
      });
      return pageOf(query, page, logView);
    },
  }),
  systemOperation({
    name: 'backend.log.getAllErrors',
    method: 'GET',
    path: '/backend/log/error',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('log_errors');
      if (page.search) query = query.where(containsIgnoreCase('message', page.search));
      return pageOf(query, page, errorView);
    },
  }),
  systemOperation({
    name: 'backend.log.getError',
    method: 'GET',
    path: '/backend/log/error/$error_id<[0-9]+>',
    async handler({ platform, request }) {
      const row = await platform.db
        .selectFrom('log_errors')
        .selectAll()
        .where('id', '=', Number(request.params.error_id))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find error');
      return errorView(row);
    },
  }),
  systemOperation({
    name: 'backend.log.get',
    method: 'GET',
    path: '/backend/log/$log_id<[0-9]+>',
    async handler({ platform, request }) {
      const row = await platform.db
        .selectFrom('logs')
        .selectAll()
        .where('id', '=', Number(request.params.log_id))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find log');
      const errors = await platform.db.selectFrom('log_errors').selectAll().where('log_id', '=', row.id).execute();
      return { ...logView(row), errors: errors.map(errorView) };
    },
  }),
];
