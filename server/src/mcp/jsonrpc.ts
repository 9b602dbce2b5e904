import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/caller.js';
import type { Firewall } from '../firewall/firewall.js';
import { type CorsPolicy, corsHeaders, preflightHeaders } from '../gateway/cors.js';
import { screenAddress } from '../gateway/firewall.js';
import { Channel } from '../telemetry/request-log.js';
import { ArgumentError, answerBody, type CallOrigin, errorMessage, runOperation } from './call.js';
import { callerOf, type McpDeps } from './server.js';

export interface JsonRpcDeps extends McpDeps {
  readonly firewall: Firewall;
  readonly cors: CorsPolicy;
}

type Id = string | number | null;
interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}
type Reply = { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: JsonRpcError };

/** JSON-RPC 2.0's own codes; -32000 is the server-error code this API uses for an operation's refusal or fault. */
export const RpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  operationFailed: -32000,
} as const;

/** At most this many calls in one batch: a batch is one HTTP request, but each call costs like a request. */
const maxBatch = 50;

/**
 * `POST /jsonrpc`: every operation that is a tool (mcp/catalogue.ts) as a JSON-RPC 2.0 method named like the
 * operation, its params the tool's arguments (path and query parameters by name, `body`). Single calls and
 * batches; each call runs the gateway's pipeline with the request's bearer token (none: public operations).
 */
export function registerJsonRpc(fastify: FastifyInstance, deps: JsonRpcDeps): void {
  fastify.post('/jsonrpc', async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
    const cors = corsHeaders(req.headers.origin, deps.cors);
    if (cors !== null) reply.headers(cors);
    const refused = screenAddress(deps.firewall, req, '/jsonrpc');
    if (refused !== null) return reply.code(403).send(failure(null, RpcCode.invalidRequest, refused.message));
    const bearer = /^bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? null;
    let caller: Caller;
    try {
      caller = await callerOf(deps.tokens, bearer);
    } catch (error) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send(failure(null, RpcCode.invalidRequest, (error as Error).message, { status: 401 }));
    }
    let message: unknown;
    try {
      const raw = req.body as Buffer | undefined;
      message = JSON.parse(raw === undefined ? '' : raw.toString('utf8'));
    } catch {
      return reply.send(failure(null, RpcCode.parseError, 'Parse error'));
    }
    const origin: CallOrigin = {
      channel: Channel.jsonrpc,
      token: bearer,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
    };
    if (Array.isArray(message)) {
      if (message.length === 0)
        return reply.send(failure(null, RpcCode.invalidRequest, 'Invalid Request: empty batch'));
      if (message.length > maxBatch) {
        return reply.send(
          failure(null, RpcCode.invalidRequest, `Invalid Request: a batch holds at most ${maxBatch} calls`),
        );
      }
      const replies = (await Promise.all(message.map((m) => one(m, caller, origin)))).filter((r) => r !== null);
      if (replies.length === 0) return reply.code(204).send();
      return reply.send(replies);
    }
    const answered = await one(message, caller, origin);
    if (answered === null) return reply.code(204).send();
    return reply.send(answered);
  });

  fastify.options('/jsonrpc', (req, reply) => {
    const requested = req.headers['access-control-request-headers'];
    reply
      .code(204)
      .headers(preflightHeaders(req.headers.origin, requested, ['POST', 'OPTIONS'], deps.cors))
      .send();
  });

  /** One call; null for a notification (no id), which gets no answer. */
  async function one(message: unknown, caller: Caller, origin: CallOrigin): Promise<Reply | null> {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      return failure(null, RpcCode.invalidRequest, 'Invalid Request');
    }
    const call = message as { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
    const id: Id =
      typeof call.id === 'string' || typeof call.id === 'number' || call.id === null ? (call.id as Id) : null;
    const notification = !('id' in call);
    if (
      call.jsonrpc !== '2.0' ||
      typeof call.method !== 'string' ||
      (!notification && id === null && call.id !== null)
    ) {
      return failure(id, RpcCode.invalidRequest, 'Invalid Request');
    }
    const answer = await run(call.method, call.params, caller, origin);
    if (notification) return null;
    return 'error' in answer
      ? { jsonrpc: '2.0', id, error: answer.error }
      : { jsonrpc: '2.0', id, result: answer.result };
  }

  async function run(
    method: string,
    params: unknown,
    caller: Caller,
    origin: CallOrigin,
  ): Promise<{ result: unknown } | { error: JsonRpcError }> {
    const tool = await deps.catalogue.find(method.replace(/[^A-Za-z0-9_.-]/g, '_'), caller);
    if (!tool || tool.title !== method) {
      return { error: { code: RpcCode.methodNotFound, message: `Method not found: ${method}` } };
    }
    if (Array.isArray(params)) {
      return { error: { code: RpcCode.invalidParams, message: 'Invalid params: give them by name, as an object' } };
    }
    try {
      const answer = await runOperation(deps.pipeline, tool, params, origin);
      const body = answerBody(answer);
      if (answer.status < 400) return { result: body === '' ? null : body };
      const text = errorMessage(answer, body);
      return {
        error: {
          code: answer.status === 400 ? RpcCode.invalidParams : RpcCode.operationFailed,
          message: text,
          data: { status: answer.status, ...(body && typeof body === 'object' ? body : { message: text }) },
        },
      };
    } catch (error) {
      if (error instanceof ArgumentError) return { error: { code: RpcCode.invalidParams, message: error.message } };
      deps.logger.error({ err: error, method }, 'JSON-RPC call failed');
      return { error: { code: RpcCode.operationFailed, message: 'Internal error', data: { status: 500 } } };
    }
  }
}

function failure(id: Id, code: number, message: string, data?: unknown): Reply {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}
