import type { BackendHttpRequest, BackendHttpResponse } from 'fusio-sdk';
import { type HttpUpstream, httpConnectionClass, upstreamFailure } from '../../connections/http.js';
import type { UpstreamResponse } from '../../connections/http-exchange.js';
import { Status } from '../../db/schema.js';
import { badRequest, notFound } from '../../errors.js';
import type { Platform } from '../../runtime/platform.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/** How much of an answer the backend shows; the rest is cut off (and said so in a header). */
const shownBytes = 1024 * 1024;

const notSendable = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
  'content-length',
  'expect',
]);

async function findHttpConnection(platform: Platform, raw: string | undefined): Promise<number> {
  if (!raw) throw badRequest('Provided no connection');
  let query = platform.db.selectFrom('connections').select(['id', 'class']).where('status', '=', Status.active);
  if (/^\d+$/.test(raw)) query = query.where('id', '=', Number(raw));
  else query = query.where('name', '=', decodeURIComponent(raw.startsWith('~') ? raw.slice(1) : raw));
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find connection');
  if (row.class !== httpConnectionClass)
    throw badRequest('Provided an invalid connection: it is not an HTTP connection');
  return row.id;
}

/** `content-type` → `Content-Type`, as most servers write them. */
function headerCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}

export const connectionHttpOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.http.execute',
    method: 'POST',
    path: '/backend/connection/:connection_id/http',
    description: 'Sends an HTTP request through a connection (its base URL, headers and authentication)',
    incoming: {
      type: 'object',
      properties: {
        method: { type: 'string' },
        uri: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { type: 'string' },
      },
    },
    async handler({ platform, request }): Promise<BackendHttpResponse> {
      const id = await findHttpConnection(platform, request.params.connection_id);
      const payload = request.body as BackendHttpRequest;
      const method = payload.method?.trim().toUpperCase();
      if (!method) throw badRequest('Provided no HTTP method');
      if (!/^[A-Z]{1,20}$/.test(method)) throw badRequest(`"${payload.method}" is not an HTTP method`);
      const uri = payload.uri?.trim();
      if (!uri) throw badRequest('Provided no URI');

      const client = await platform.connections.get<HttpUpstream>(id);
      const headers: Record<string, string> = { ...client.headers };
      for (const [name, value] of Object.entries(payload.headers ?? {})) {
        const lower = name.toLowerCase();
        if (!notSendable.has(lower) && !lower.startsWith('proxy-')) headers[lower] = value;
      }
      const body = payload.body === undefined || method === 'GET' || method === 'HEAD' ? undefined : payload.body;
      if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^https?:\/\//i.test(uri)) {
        throw badRequest('The URI must be a path or an http(s) URL');
      }
      let res: UpstreamResponse;
      try {
        res = await client.send({ url: uri, method, headers, body });
      } catch (error) {
        throw upstreamFailure(error, client.timeout, true);
      }
      let shown = res.bytes ?? Buffer.alloc(0);
      let truncated = false;
      if (res.stream) {
        const chunks: Buffer[] = [];
        let size = 0;
        try {
          for await (const chunk of res.stream) {
            const bytes = chunk as Buffer;
            chunks.push(bytes);
            size += bytes.length;
            if (size > shownBytes) {
              truncated = true;
              break;
            }
          }
        } catch (error) {
          throw upstreamFailure(error, client.timeout, true);
        } finally {
          res.stream.destroy();
        }
        shown = Buffer.concat(chunks);
      }
      if (shown.length > shownBytes) {
        shown = shown.subarray(0, shownBytes);
        truncated = true;
      }
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) out[headerCase(name)] = Array.isArray(value) ? value.join(', ') : value;
      }
      if (truncated) out['X-Portico-Truncated'] = `only the first ${shownBytes} bytes are shown`;
      return { statusCode: res.statusCode, headers: out, body: shown.toString('utf8') };
    },
  }),
];
