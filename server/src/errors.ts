import { STATUS_CODES } from 'node:http';

/**
 * One registry of errors: a stable code, its HTTP status and a default message.
 * Rendered in Fusio's shape `{success: false, title, message}` by `renderError`.
 */
export const errorCodes = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class PorticoError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    // an answer to the client, not a bug: a stack trace would cost more than the rest of a 4xx response
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = limit;
    this.name = 'PorticoError';
    this.status = errorCodes[code];
  }
}

export const badRequest = (message: string) => new PorticoError('BAD_REQUEST', message);
export const validationFailed = (message: string) => new PorticoError('VALIDATION_FAILED', message);
export const unauthorized = (message: string, headers: Record<string, string> = {}) =>
  new PorticoError('UNAUTHORIZED', message, headers);
export const forbidden = (message: string) => new PorticoError('FORBIDDEN', message);
export const notFound = (message: string) => new PorticoError('NOT_FOUND', message);
export const conflict = (message: string) => new PorticoError('CONFLICT', message);
export const gone = (message: string) => new PorticoError('GONE', message);
export const serviceUnavailable = (message: string, cause?: unknown) =>
  new PorticoError('SERVICE_UNAVAILABLE', message, {}, { cause });

export interface ErrorBody {
  success: false;
  title: string;
  message: string;
  trace?: string;
}

/** Maps anything thrown to a status and a body; internals are hidden unless debug is on. */
export function renderError(
  error: unknown,
  debug: boolean,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof PorticoError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { success: false, title: STATUS_CODES[error.status] ?? 'Error', message: error.message },
    };
  }
  // two requests racing to create the same name: the database's unique index decides, the client gets 409
  if (isUniqueViolation(error)) {
    return {
      status: 409,
      headers: {},
      body: {
        success: false,
        title: STATUS_CODES[409] as string,
        message: 'An entry with the same name already exists',
      },
    };
  }
  // errors from Fastify itself (body too large, bad content-type, ...) carry a statusCode
  const status = statusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      headers: {},
      body: { success: false, title: STATUS_CODES[status] ?? 'Error', message: clientMessage(error, status) },
    };
  }
  const body: ErrorBody = {
    success: false,
    title: STATUS_CODES[500] as string,
    message: 'The server encountered an internal error and was unable to complete your request.',
  };
  if (debug && error instanceof Error) {
    body.title = error.name;
    body.message = error.message;
    if (error.stack) body.trace = error.stack;
  }
  return { status: 500, headers: {}, body };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const s = (error as { statusCode: unknown }).statusCode;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

function clientMessage(error: unknown, status: number): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Request body must not be empty';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Request body size did not match Content-Length';
    default:
      return error instanceof Error && error.message ? error.message : (STATUS_CODES[status] ?? 'Bad Request');
  }
}

/** A unique-constraint violation from PostgreSQL, MySQL/MariaDB or SQLite. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; errno?: unknown };
  return e.code === '23505' || e.code === 'ER_DUP_ENTRY' || e.errno === 1062 || e.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
