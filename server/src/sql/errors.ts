import { badRequest, conflict, PorticoError, serviceUnavailable } from '../errors.js';
import type { SqlDialect } from './dialect.js';

/**
 * Turns a driver error (pg, mysql2, better-sqlite3) into the answer a client should get: a conflict
 * is 409, bad data is 400, an unreachable or overloaded database is 503, a timeout 504. Anything else
 * is returned unchanged and ends as a 500 whose details stay in the log.
 */
export function mapSqlError(error: unknown, dialect: SqlDialect): unknown {
  if (error instanceof PorticoError) return error;
  const e = (error ?? {}) as DriverError;
  if (isConnectionFailure(e)) {
    return serviceUnavailable('The database is not available, please try again later', error);
  }
  if (dialect === 'postgres') return mapPostgres(e, error);
  if (dialect === 'mysql') return mapMysql(e, error);
  return mapSqlite(e, error);
}

/** The driver error says the database cannot be reached or is not serving: a 503 rather than a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && isConnectionFailure(error as DriverError);
}

/** The driver error says the table or a column it used is gone: cached table metadata is stale. */
export function isSchemaDrift(error: unknown): boolean {
  const e = (cause(error) ?? {}) as DriverError;
  // 0A000: "cached plan must not change result type" after a column changed type
  if (e.code === '42703' || e.code === '42P01' || e.code === '0A000') return true;
  if (e.code === 'ER_BAD_FIELD_ERROR' || e.code === 'ER_NO_SUCH_TABLE') return true;
  return typeof e.message === 'string' && e.code === 'SQLITE_ERROR' && /no such (column|table)/.test(e.message);
}

/** The driver error says a unique key refused the row: another change took the same name or key first. */
export function isUniqueViolation(error: unknown): boolean {
  const code = ((cause(error) ?? {}) as DriverError).code;
  return code === '23505' || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** A deadlock or serialization failure: the transaction was rolled back and may simply be run again. */
export function isDeadlock(error: unknown): boolean {
  const code = ((cause(error) ?? {}) as DriverError).code;
  return code === '40P01' || code === '40001' || code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_BUSY';
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  detail?: unknown;
  column?: unknown;
  constraint?: unknown;
  sqlMessage?: unknown;
}

function cause(error: unknown): unknown {
  return error instanceof PorticoError && error.cause !== undefined ? error.cause : error;
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
]);

function isConnectionFailure(e: DriverError): boolean {
  const code = typeof e.code === 'string' ? e.code : '';
  if (networkCodes.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR')) return true;
  // PostgreSQL: connection exceptions, insufficient resources, operator intervention, auth, unknown database
  if (/^(08|53|57P|28|3D)/.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot enqueue|Pool is closed|connection is not open|The database connection is not open/i.test(
      message,
    ) || message === 'Connection lost: The server closed the connection.'
  );
}

function mapPostgres(e: DriverError, original: unknown): unknown {
  const code = typeof e.code === 'string' ? e.code : '';
  const column = typeof e.column === 'string' ? e.column : undefined;
  switch (code) {
    case '23505':
      return conflict(`An entry with the same ${keyColumns(e.detail) ?? 'key'} already exists`);
    case '23503':
      return conflict('The entry is referenced by, or references, an entry that does not exist or still exists');
    case '23502':
      return badRequest(`Property ${column ?? 'value'} must not be null`);
    case '23514':
    case '23P01':
      return badRequest('A value violates a check constraint of the table');
    case '57014':
      return new PorticoError('GATEWAY_TIMEOUT', 'The database did not answer in time', {}, { cause: original });
  }
  // class 22: data exceptions (wrong type, out of range, too long, bad date, bad JSON, NUL byte)
  if (code.startsWith('22')) return badValue(postgresDataErrors[code] ?? 'notValid', undefined, original);
  if (typeof e.message === 'string' && /Query read timeout/.test(e.message)) {
    return new PorticoError('GATEWAY_TIMEOUT', 'The database did not answer in time', {}, { cause: original });
  }
  return original;
}

function keyColumns(detail: unknown): string | undefined {
  if (typeof detail !== 'string') return undefined;
  const match = /^Key \(([^)]*)\)=/.exec(detail);
  return match?.[1];
}

/**
 * What a client learns about a value the database refused: the kind of problem and, when the driver
 * names it apart from its message, the column. The database's own text (types, sizes, the value) goes
 * to the log with the request, never into the answer.
 */
const badValueMessages = {
  tooLong: 'is too long',
  outOfRange: 'is out of range',
  wrongType: 'has the wrong type',
  dateTime: 'is not a valid date or time',
  characters: 'contains characters the database cannot store',
  json: 'is not valid JSON',
  check: 'violates a check constraint of the table',
  notNull: 'must not be null',
  notValid: 'is not valid',
} as const;

type BadValue = keyof typeof badValueMessages;

function badValue(kind: BadValue, column: string | undefined, original: unknown): PorticoError {
  const subject = column ? `Property ${column}` : 'A value';
  return new PorticoError('BAD_REQUEST', `${subject} ${badValueMessages[kind]}`, {}, { cause: original });
}

const postgresDataErrors: Record<string, BadValue> = {
  '22001': 'tooLong',
  '22003': 'outOfRange',
  '22P02': 'wrongType',
  '22007': 'dateTime',
  '22008': 'dateTime',
  '22021': 'characters',
  '22P05': 'characters',
  '22P03': 'wrongType',
  '22032': 'json',
};

const mysqlBadValue: Record<string, BadValue> = {
  ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: 'wrongType',
  ER_TRUNCATED_WRONG_VALUE: 'wrongType',
  ER_WARN_DATA_OUT_OF_RANGE: 'outOfRange',
  ER_DATA_TOO_LONG: 'tooLong',
  ER_WRONG_VALUE: 'wrongType',
  ER_WRONG_VALUE_FOR_TYPE: 'wrongType',
  ER_DATA_OUT_OF_RANGE: 'outOfRange',
  ER_INVALID_JSON_TEXT: 'json',
  ER_WARN_NULL_TO_NOTNULL: 'notNull',
  ER_CONSTRAINT_FAILED: 'check',
  ER_CHECK_CONSTRAINT_VIOLATED: 'check',
  ER_INVALID_CHARACTER_STRING: 'characters',
  WARN_DATA_TRUNCATED: 'tooLong',
};

function mapMysql(e: DriverError, original: unknown): unknown {
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : String(e.message ?? '');
  if (code === 'ER_DUP_ENTRY') {
    const key = /for key '(?:[^.']*\.)?([^']*)'/.exec(message)?.[1];
    return conflict(`An entry with the same ${key && key !== 'PRIMARY' ? key : 'key'} already exists`);
  }
  if (code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_ROW_IS_REFERENCED_2' || code === 'ER_NO_REFERENCED_ROW') {
    return conflict('The entry is referenced by, or references, an entry that does not exist or still exists');
  }
  if (code === 'ER_BAD_NULL_ERROR') {
    const column = /Column '([^']*)'/.exec(message)?.[1];
    return badRequest(`Property ${column ?? 'value'} must not be null`);
  }
  const bad = mysqlBadValue[code];
  if (bad) return badValue(bad, /for column '([^']+)'/.exec(message)?.[1], original);
  if (code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK') {
    return serviceUnavailable('The database is busy, please try again', original);
  }
  if (code === 'ER_QUERY_TIMEOUT' || code === 'ER_STATEMENT_TIMEOUT' || code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return new PorticoError('GATEWAY_TIMEOUT', 'The database did not answer in time', {}, { cause: original });
  }
  return original;
}

function mapSqlite(e: DriverError, original: unknown): unknown {
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = /constraint failed: (.*)$/.exec(message)?.[1]?.replace(/\b\w+\./g, '');
    return conflict(`An entry with the same ${columns ?? 'key'} already exists`);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return conflict('The entry is referenced by, or references, an entry that does not exist or still exists');
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const column = /NOT NULL constraint failed: (?:\w+\.)?(.*)$/.exec(message)?.[1];
    return badRequest(`Property ${column ?? 'value'} must not be null`);
  }
  if (code === 'SQLITE_CONSTRAINT_CHECK') return badValue('check', undefined, original);
  if (code === 'SQLITE_MISMATCH') return badValue('wrongType', undefined, original);
  if (code === 'SQLITE_TOOBIG') return badValue('tooLong', undefined, original);
  return original;
}
