import type { FastifyReply } from 'fastify';
import { isActionResponse } from '../plugins/action.js';
import type { CompiledOperation } from './types.js';

/**
 * Stage 6: the action's result on the wire. An ActionResponse brings its own status and headers;
 * anything else is the body, sent with the operation's HTTP code.
 */
export function respond(
  reply: FastifyReply,
  operation: CompiledOperation,
  result: unknown,
  headers: Record<string, string>,
): number {
  if (isActionResponse(result)) {
    const status = result.status ?? operation.httpCode;
    const combined = { ...headers };
    for (const key in result.headers) combined[key.toLowerCase()] = result.headers[key] as string;
    writeResponse(reply, status, combined, result.body, operation.headers);
    return status;
  }
  writeResponse(reply, operation.httpCode, headers, result, operation.headers);
  return operation.httpCode;
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

const none: readonly string[] = [];

/**
 * Writes status, headers and body straight to Node's response: the gateway uses nothing of Fastify's
 * reply pipeline (no hooks, no serializers), and skipping it saves about a sixth of the CPU of a small
 * response (bench/). Streams still go through Fastify, which handles their backpressure and errors.
 * `fixed` are the operation's pre-rendered name/value pairs; a header of the same name in `headers` wins.
 */
export function writeResponse(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  body: unknown,
  fixed: readonly string[] = none,
): void {
  if (isStream(body)) {
    const all: Record<string, string | readonly string[]> = {};
    for (let i = 0; i < fixed.length; i += 2) all[fixed[i] as string] = fixed[i + 1] as string;
    reply.code(status).headers({ ...all, ...headers } as Record<string, string>);
    reply.send(body);
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
  reply.hijack();
  const res = reply.raw;
  res.writeHead(status, list);
  res.end(payload);
}
