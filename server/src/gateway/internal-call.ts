import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { Channel } from '../telemetry/request-log.js';
import type { GatewayRequest } from './types.js';

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

/** The request the pipeline reads, as the gateway's own HTTP entry builds it. */
export function internalRequest(call: InternalCall): GatewayRequest {
  const query = call.query;
  let url = call.path;
  const pairs = new URLSearchParams(query as Record<string, string>).toString();
  if (pairs !== '') url += `?${pairs}`;
  return { id: call.requestId, method: call.method, url, headers: call.headers, query, body: call.body, ip: call.ip };
}

/**
 * Stands in for Node's response: respond.ts writes to it as to a socket's (a plain answer with writeHead and
 * end, a stream piped with setHeader first), and the answer is kept in memory.
 */
export class CapturedResponse extends Writable {
  statusCode = 200;
  headersSent = false;
  private readonly fields: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<void>;

  constructor() {
    super();
    this.done = new Promise((resolve, reject) => {
      this.once('finish', resolve);
      this.once('error', reject);
      this.once('close', resolve);
    });
  }

  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }

  writeHead(status: number, list?: readonly string[]): this {
    this.statusCode = status;
    if (list)
      for (let i = 0; i < list.length; i += 2) this.fields[(list[i] as string).toLowerCase()] = list[i + 1] as string;
    this.headersSent = true;
    return this;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.fields[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }

  getHeaderNames(): string[] {
    return Object.keys(this.fields);
  }

  removeHeader(name: string): void {
    delete this.fields[name.toLowerCase()];
  }

  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.headersSent = true;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding));
    callback();
  }

  async answer(): Promise<InternalAnswer> {
    await this.done;
    return { status: this.statusCode, headers: { ...this.fields }, body: Buffer.concat(this.chunks) };
  }
}
