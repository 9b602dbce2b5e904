import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Channel } from '../telemetry/request-log.js';

/**
 * A request that did not arrive as HTTP to the operation's own path (an MCP tool call, a JSON-RPC method) but runs
 * the same stages: the caller's headers (its bearer token), the operation's path with the arguments filled in.
 */
export interface InternalCall {
  readonly channel: Channel;
  /** the operation the caller named: a path that routes elsewhere is refused */
  readonly operationId: number;
  readonly method: string;
  /** the path, its parameters already encoded */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
  readonly ip: string;
  readonly requestId: string;
}

/** What the operation answered: status, headers and the body bytes (a streamed body read to its end). */
export interface InternalAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The parts of a FastifyRequest the pipeline reads. */
export function internalRequest(call: InternalCall): FastifyRequest {
  const query = call.query;
  let url = call.path;
  const pairs = new URLSearchParams(query as Record<string, string>).toString();
  if (pairs !== '') url += `?${pairs}`;
  return {
    method: call.method,
    url,
    headers: call.headers,
    body: call.body,
    query,
    ip: call.ip,
    id: call.requestId,
  } as unknown as FastifyRequest;
}

/** Stands in for a FastifyReply: respond.ts writes to it as to Node's response, and the answer is kept. */
export class CapturedReply {
  private status = 0;
  private readonly fields: Record<string, string> = {};
  private payload: Buffer | string | undefined;
  private stream: Readable | undefined;

  asReply(): FastifyReply {
    const raw = {
      writeHead: (status: number, list: readonly string[]) => {
        this.status = status;
        for (let i = 0; i < list.length; i += 2) this.fields[list[i] as string] = list[i + 1] as string;
      },
      end: (payload: Buffer | string | undefined) => {
        this.payload = payload;
      },
    };
    const reply = {
      raw,
      hijack: () => reply,
      code: (status: number) => {
        this.status = status;
        return reply;
      },
      headers: (values: Record<string, string>) => {
        for (const key in values) this.fields[key.toLowerCase()] = String(values[key]);
        return reply;
      },
      send: (body: Readable) => {
        this.stream = body;
        return reply;
      },
    };
    return reply as unknown as FastifyReply;
  }

  async answer(): Promise<InternalAnswer> {
    let body: Buffer;
    if (this.stream !== undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      body = Buffer.concat(chunks);
    } else if (this.payload === undefined) body = Buffer.alloc(0);
    else body = typeof this.payload === 'string' ? Buffer.from(this.payload) : this.payload;
    return { status: this.status, headers: this.fields, body };
  }
}
