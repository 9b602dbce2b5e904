import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { InternalAnswer } from '../gateway/internal-call.js';
import type { Pipeline } from '../gateway/pipeline.js';
import type { Channel } from '../telemetry/request-log.js';
import type { ToolEntry } from './catalogue.js';

/** Who is calling, as the pipeline will see it: the bearer token travels as an HTTP request's would. */
export interface CallOrigin {
  readonly channel: Channel;
  /** the raw bearer token, or null (anonymous: public operations only) */
  readonly token: string | null;
  readonly ip: string;
  readonly userAgent?: string | undefined;
}

/** Arguments that cannot become a request: answered like the gateway's own 400s, without running anything. */
export class ArgumentError extends Error {}

/**
 * Runs one operation from a tool's (or JSON-RPC method's) arguments: path parameters fill the path, declared
 * query parameters the query string, `body` the JSON body. Through the whole pipeline: limits, points, log.
 */
export async function runOperation(
  pipeline: Pipeline,
  tool: ToolEntry,
  args: unknown,
  origin: CallOrigin,
): Promise<InternalAnswer> {
  if (args === undefined || args === null) args = {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new ArgumentError('Arguments must be an object');
  const given = args as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key === 'body' ? !tool.takesBody : !(key in (tool.inputSchema.properties as object))) {
      throw new ArgumentError(`Unknown argument "${key}" for ${tool.name}`);
    }
  }
  const operation = tool.operation;
  let path = '';
  for (const segment of operation.path.split('/')) {
    if (segment === '') continue;
    const first = segment[0];
    if (first === ':' || first === '$') {
      const name = first === ':' ? segment.slice(1) : segment.slice(1, segment.indexOf('<'));
      path += `/${encodeURIComponent(scalar(given[name], name))}`;
    } else if (first === '*') {
      const name = tool.restParam as string;
      const rest = scalar(given[name], name);
      path += `/${rest.split('/').map(encodeURIComponent).join('/')}`;
    } else path += `/${segment}`;
  }
  if (path === '') path = '/';
  const query: Record<string, string> = {};
  for (const name of tool.queryParams) {
    const value = given[name];
    if (value !== undefined && value !== null) query[name] = scalar(value, name);
  }
  const headers: IncomingHttpHeaders = {};
  if (origin.token !== null) headers.authorization = `Bearer ${origin.token}`;
  if (origin.userAgent) headers['user-agent'] = origin.userAgent;
  let body: Buffer | undefined;
  if (given.body !== undefined) {
    body = Buffer.from(JSON.stringify(given.body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  return pipeline.invoke({
    channel: origin.channel,
    operationId: operation.id,
    method: operation.method,
    path,
    query,
    headers,
    body,
    ip: origin.ip,
    requestId: randomUUID(),
  });
}

function scalar(value: unknown, name: string): string {
  if (typeof value === 'string') {
    if (value === '') throw new ArgumentError(`Argument "${name}" must not be empty`);
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) throw new ArgumentError(`Argument "${name}" is required`);
  throw new ArgumentError(`Argument "${name}" must be a string, a number or a boolean`);
}

/** The answer's body: JSON when it parses, else its text. */
export function answerBody(answer: InternalAnswer): unknown {
  const text = answer.body.toString('utf8');
  const type = answer.headers['content-type'] ?? '';
  if (type.includes('json') || (text.startsWith('{') && text.endsWith('}'))) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all
    }
  }
  return text;
}

/** The API's own words for a refused or failed call (`{"message": …}`), else the status line. */
export function errorMessage(answer: InternalAnswer, body: unknown): string {
  const message = body && typeof body === 'object' ? (body as { message?: unknown }).message : undefined;
  if (typeof message === 'string' && message !== '') return message;
  return typeof body === 'string' && body !== '' ? body : `The operation answered ${answer.status}`;
}
