import type { ServerResponse } from 'node:http';
import { finished, type Readable } from 'node:stream';
import { isActionResponse, renderedJsonOf } from '../plugins/action.js';
import type { CompiledOperation } from './types.js';

/**
 * Stage 6: the action's result on the wire. An ActionResponse brings its own status and headers;
 * anything else is the body, sent with the operation's HTTP code.
 */
export function respond(
  res: ServerResponse,
  operation: CompiledOperation,
  result: unknown,
  headers: Record<string, string>,
  streamFailed?: (error: unknown) => void,
): number {
  if (isActionResponse(result)) {
    const status = result.status ?? operation.httpCode;
    // copied only when the action adds headers (a static response usually adds none)
    let combined = headers;
    for (const key in result.headers) {
      if (combined === headers) combined = { ...headers };
      combined[key.toLowerCase()] = result.headers[key] as string;
    }
    const rendered = renderedJsonOf(result);
    if (rendered !== undefined) writeJson(res, status, combined, rendered, operation.headers);
    else writeResponse(res, status, combined, result.body, operation.headers, streamFailed);
    return status;
  }
  writeResponse(res, operation.httpCode, headers, result, operation.headers, streamFailed);
  return operation.httpCode;
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

const none: readonly string[] = [];

/**
 * Writes status, headers and body straight to Node's response in one `writeHead` + `end`: the gateway
 * uses nothing of Fastify's reply pipeline (no hooks, no serializers). `fixed` are the operation's
 * pre-rendered name/value pairs; a header of the same name in `headers` wins. A stream is piped (its
 * backpressure is the socket's); one that fails before anything was sent is answered by `streamFailed`
 * (an error response), after that the connection is cut, as Fastify did.
 */
export function writeResponse(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  body: unknown,
  fixed: readonly string[] = none,
  streamFailed?: (error: unknown) => void,
): void {
  if (isStream(body)) {
    sendStream(res, status, headers, body as Readable, fixed, streamFailed);
    return;
  }
  let payload: string | Buffer | undefined;
  let type: string | undefined;
  if (body === undefined || status === 204 || status === 304) {
    payload = undefined;
  } else if (typeof body === 'string') {
    payload = body;
    type = 'text/plain; charset=utf-8';
  } else if (Buffer.isBuffer(body)) {
    payload = body;
    type = 'application/octet-stream';
  } else if (body instanceof Uint8Array) {
    payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    type = 'application/octet-stream';
  } else {
    payload = JSON.stringify(body);
    type = 'application/json; charset=utf-8';
  }
  writePayload(res, status, headers, payload, type, fixed);
}

/** JSON already rendered (a fixed response's body): sent as JSON, not as text. */
function writeJson(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  json: string,
  fixed: readonly string[],
): void {
  const bodiless = status === 204 || status === 304;
  writePayload(res, status, headers, bodiless ? undefined : json, 'application/json; charset=utf-8', fixed);
}

function writePayload(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  payload: string | Buffer | undefined,
  type: string | undefined,
  fixed: readonly string[],
): void {
  const list: string[] = [];
  for (let i = 0; i < fixed.length; i += 2) {
    const name = fixed[i] as string;
    if (headers[name] === undefined) list.push(name, fixed[i + 1] as string);
  }
  let typed = false;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name === 'content-type') typed = true;
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    if (typeof value === 'string') list.push(name, value);
    else for (const v of value) list.push(name, v);
  }
  if (payload !== undefined) {
    if (!typed && type) list.push('content-type', type);
    list.push('content-length', String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length));
  }
  res.writeHead(status, list);
  res.end(payload);
}

function sendStream(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  stream: Readable,
  fixed: readonly string[],
  streamFailed: ((error: unknown) => void) | undefined,
): void {
  let open = true;
  finished(stream, { readable: true, writable: false }, (error) => {
    open = false;
    if (!error) return;
    if (res.headersSent || streamFailed === undefined) res.destroy();
    else {
      // nothing was sent yet: the answer is an error, without the headers meant for the stream
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      streamFailed(error);
    }
  });
  // the client went away: the source stops too
  finished(res, () => {
    if (open) stream.destroy();
  });
  res.statusCode = status;
  // setHeader, not writeHead: a stream that fails before its first byte still gets an error response
  for (let i = 0; i < fixed.length; i += 2) {
    const name = fixed[i] as string;
    if (headers[name] === undefined) res.setHeader(name, fixed[i + 1] as string);
  }
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value as string | string[]);
  }
  stream.pipe(res);
}
