import type { FastifyReply } from 'fastify';
import { isActionResponse } from '../actions/action.js';
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
  let status = operation.httpCode;
  let body = result;
  let outHeaders = headers;
  if (isActionResponse(result)) {
    status = result.status ?? operation.httpCode;
    body = result.body;
    outHeaders = { ...headers, ...lowerKeys(result.headers) };
  }
  reply.code(status).headers(outHeaders);
  if (body === undefined || status === 204 || status === 304) {
    reply.send();
  } else {
    reply.send(body);
  }
  return status;
}

function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) out[key.toLowerCase()] = headers[key] as string;
  return out;
}
