import type { ActionContext, ActionRequest } from '../../plugins/action.js';
import type { ContextHeaderStyle } from './forward-config.js';
import type { Values } from './rules.js';

/** Hop-by-hop headers (RFC 9110 7.6.1) and those only this hop may set: never passed on. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'trailers',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** Caller headers the upstream never sees: its own credentials and what Portico sets itself. */
const notForwarded = new Set([
  ...hopByHop,
  'host',
  'authorization',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-request-id',
]);

/** Names a `Connection` header lists are hop-by-hop too. */
function connectionListed(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const list = (Array.isArray(value) ? value.join(',') : value).split(',');
  const out = new Set<string>();
  for (const item of list) {
    const name = item.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') out.add(name);
  }
  return out.size > 0 ? out : null;
}

/** The caller's headers minus hop-by-hop ones, credentials and anything claiming to be Portico's context. */
export function callerHeaders(incoming: ActionRequest['headers']): Values {
  const listed = connectionListed(incoming.connection);
  const out: Values = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || notForwarded.has(name)) continue;
    if (name.startsWith('proxy-') || name.startsWith('x-portico-') || name.startsWith('x-fusio-')) continue;
    if (listed?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** X-Forwarded-*, the request id and the context headers; set last, so nobody can forge them. */
export function addForwardingHeaders(
  headers: Values,
  request: ActionRequest,
  context: ActionContext,
  proto: string,
  style: ContextHeaderStyle,
): void {
  const prior = request.headers['x-forwarded-for'];
  const chain = Array.isArray(prior) ? prior.join(', ') : prior;
  headers['x-forwarded-for'] = chain ? `${chain}, ${request.ip}` : request.ip;
  const host = request.headers.host;
  if (host) headers['x-forwarded-host'] = host;
  headers['x-forwarded-proto'] = proto;
  headers['x-request-id'] = request.requestId;
  if (style === 'none') return;
  const p = style === 'fusio' ? 'x-fusio-' : 'x-portico-';
  headers[`${p}operation-id`] = String(context.operation.id);
  headers[`${p}user-anonymous`] = context.user.anonymous ? '1' : '0';
  if (!context.user.anonymous) {
    headers[`${p}user-id`] = String(context.user.id);
    headers[`${p}user-name`] = context.user.name;
  }
  if (!context.app.anonymous) {
    headers[`${p}app-id`] = String(context.app.id);
    headers[`${p}app-key`] = context.app.key;
  }
  headers[`${p}remote-ip`] = request.ip;
}

/** Response headers that are Portico's to set: its request id and operation, and its CORS policy. */
const portico = new Set(['x-request-id', 'x-operation-id', 'x-stability']);

/** The upstream's response headers minus hop-by-hop ones and Portico's own (set-cookie stays a list). */
export function upstreamHeaders(incoming: Record<string, string | string[] | undefined>): Values {
  const listed = connectionListed(incoming.connection);
  const out: Values = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || hopByHop.has(name) || portico.has(name) || listed?.has(name)) continue;
    if (name.startsWith('proxy-') || name.startsWith('access-control-')) continue;
    out[name] = value;
  }
  return out;
}
