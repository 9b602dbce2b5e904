import { Agent, type Dispatcher, type FormData, ProxyAgent } from 'undici';
import { PorticoError, serviceUnavailable } from '../errors.js';
import { type AuthorizationCodeSettings, type ConnectionEnv, defineConnectionType } from '../plugins/connection.js';
import { tracingActive, upstreamSpan } from '../telemetry/tracing.js';
import { basicAuth, ClientCredentialsAuth, fixedAuth, noAuth, type UpstreamAuth } from './http-auth.js';
import { discard, exchange, type UpstreamResponse } from './http-exchange.js';
import { AuthorizationCodeAuth } from './oauth2-code.js';

export const httpConnectionClass = 'Fusio.Adapter.Http.Connection.Http';

export interface HttpConnectionConfig {
  /** base URL every relative action URL is appended to */
  url?: string;
  headers?: Record<string, string>;
  auth?: 'none' | 'basic' | 'bearer' | 'oauth2' | 'oauth2-code';
  username?: string;
  password?: string;
  token?: string;
  /** Fusio's field: a raw Authorization header value */
  authorization?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  clientAuth?: 'basic' | 'body';
  /** OAuth2 authorization code: where the administrator consents */
  authorizationUrl?: string;
  /** OAuth2 authorization code: written by the callback, never by hand */
  accessToken?: string;
  refreshToken?: string;
  /** epoch milliseconds, as text (a secret field like the tokens) */
  tokenExpiresAt?: string;
  timeout?: number;
  verify?: boolean;
  proxy?: string;
}

export const defaultTimeout = 30_000;

export interface UpstreamRequest {
  /** an absolute http(s) URL, or a path (with its query) appended to the connection's base URL */
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: string | Buffer | FormData | null | undefined;
}

/**
 * The live client of an HTTP connection: a keep-alive connection pool per upstream origin (undici),
 * the connection's fixed headers, its authentication and its timeout. Built once per connection and
 * closed when the connection changes.
 */
export class HttpUpstream {
  readonly origin: string | null;
  readonly basePath: string;
  readonly timeout: number;
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly dispatcher: Dispatcher,
    base: URL | null,
    headers: Record<string, string>,
    private readonly auth: UpstreamAuth,
    timeout: number,
    private readonly owned: boolean,
  ) {
    this.origin = base ? base.origin : null;
    this.basePath = base ? base.pathname.replace(/\/+$/, '') : '';
    this.timeout = timeout;
    const lower: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
    this.headers = lower;
  }

  /** Where a request goes: an absolute URL as it is, a path appended to the base URL. */
  target(url: string): { origin: string; path: string } {
    const absolute = /^(https?:\/\/[^/?#]+)([^#]*)/i.exec(url);
    if (absolute) {
      // only the origin goes through URL: its parser would resolve %2E%2E segments in the path
      const path = absolute[2] as string;
      return { origin: new URL(absolute[1] as string).origin, path: path.startsWith('/') ? path : `/${path}` };
    }
    if (this.origin === null) {
      throw serviceUnavailable(`The URL "${url}" is relative, but the connection has no base URL`);
    }
    return { origin: this.origin, path: `${this.basePath}${url.startsWith('/') ? '' : '/'}${url}` };
  }

  /**
   * Sends a request with the upstream's own authentication (unless the request brings an Authorization
   * header). An OAuth2 token the upstream rejects with 401 is renewed and the request sent once more.
   */
  send(request: UpstreamRequest): Promise<UpstreamResponse> {
    // with tracing on (and only then), a client span whose traceparent the upstream continues
    return tracingActive() ? this.traced(request) : this.dispatch(request, request.headers);
  }

  private async traced(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { origin, path } = this.target(request.url);
    const span = upstreamSpan(request.method, origin + path);
    if (span === null) return this.dispatch(request, request.headers);
    try {
      const response = await this.dispatch(request, { ...request.headers, ...span.headers });
      span.end(response.statusCode);
      return response;
    } catch (error) {
      span.end(null, error);
      throw error;
    }
  }

  private async dispatch(request: UpstreamRequest, headers: UpstreamRequest['headers']): Promise<UpstreamResponse> {
    const { origin, path } = this.target(request.url);
    let credential: string | undefined;
    if (headers.authorization === undefined) {
      const pending = this.auth.header();
      credential = typeof pending === 'string' || pending === undefined ? pending : await pending;
    }
    const options: Dispatcher.DispatchOptions = {
      origin,
      path,
      method: request.method as Dispatcher.HttpMethod,
      headers: credential === undefined ? headers : { ...headers, authorization: credential },
      body: request.body ?? null,
      headersTimeout: this.timeout,
      bodyTimeout: this.timeout,
    };
    const response = await exchange(this.dispatcher, options);
    if (response.statusCode !== 401 || credential === undefined || !this.auth.rejected(credential)) return response;
    if (isStream(request.body)) return response;
    const fresh = await this.auth.header();
    if (fresh === undefined || fresh === credential) return response;
    await discard(response);
    return exchange(this.dispatcher, { ...options, headers: { ...headers, authorization: fresh } });
  }

  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

let direct: HttpUpstream | null = null;

/** For actions without a connection (absolute URLs only): one shared keep-alive pool for the process. */
export function directUpstream(): HttpUpstream {
  // not undici's global dispatcher: that may be Node's bundled, older undici
  direct ??= new HttpUpstream(
    new Agent({ keepAliveTimeout: 4_000, connections: 256, connect: { timeout: 10_000 } }),
    null,
    {},
    noAuth,
    defaultTimeout,
    false,
  );
  return direct;
}

const timeoutCodes = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** True when the request never reached the upstream (safe to send to another target). */
export function neverArrived(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A failed upstream call as the caller sees it: 504 when the upstream was too slow, 502 when it could
 * not be reached or broke the exchange. The public message names no internal host; `detail` adds the
 * low-level reason for the backend's own tools.
 */
export function upstreamFailure(error: unknown, timeout: number, detail = false): PorticoError {
  if (error instanceof PorticoError) return error;
  const code = errorCode(error);
  const reason = detail && error instanceof Error ? `: ${error.message}` : '';
  if (code && timeoutCodes.has(code)) {
    return new PorticoError(
      'GATEWAY_TIMEOUT',
      `The upstream service did not answer within ${timeout} ms${reason}`,
      {},
      { cause: error },
    );
  }
  return new PorticoError('BAD_GATEWAY', `The upstream service is not reachable${reason}`, {}, { cause: error });
}

/** The authorization-code client of a config that uses one, with its URLs checked. */
function authorizationCodeOf(config: HttpConnectionConfig): AuthorizationCodeSettings | undefined {
  if (config.auth !== 'oauth2-code') return undefined;
  const { authorizationUrl, tokenUrl, clientId, clientSecret } = config;
  if (!authorizationUrl || !tokenUrl || !clientId || !clientSecret) {
    throw new Error(
      'OAuth2 authorization code needs an authorization URL, a token URL, a client id and a client secret',
    );
  }
  assertHttpUrl(authorizationUrl, 'Authorization URL');
  assertHttpUrl(tokenUrl, 'Token URL');
  return {
    authorizationUrl,
    tokenUrl,
    clientId,
    clientSecret,
    scope: config.scope,
    clientAuth: config.clientAuth ?? 'basic',
  };
}

/**
 * The connection as a TypeAPI specification: its base URL and how it authenticates (credentials left
 * out). It declares no operations: an HTTP connection reaches any path of its upstream.
 */
function httpSpecification(config: HttpConnectionConfig): Record<string, unknown> {
  const spec: Record<string, unknown> = { operations: {}, definitions: {} };
  if (config.url) spec.baseUrl = config.url;
  const kind = config.auth ?? (config.username ? 'basic' : config.authorization ? 'header' : 'none');
  if (kind === 'basic') spec.security = { type: 'httpBasic' };
  else if (kind === 'bearer') spec.security = { type: 'httpBearer' };
  else if (kind === 'oauth2') spec.security = { type: 'oauth2', tokenUrl: config.tokenUrl, scopes: scopesOf(config) };
  else if (kind === 'oauth2-code') {
    spec.security = {
      type: 'oauth2',
      authorizationUrl: config.authorizationUrl,
      tokenUrl: config.tokenUrl,
      scopes: scopesOf(config),
    };
  } else if (kind === 'header') spec.security = { type: 'apiKey', name: 'Authorization', in: 'header' };
  return spec;
}

function scopesOf(config: HttpConnectionConfig): string[] {
  return (config.scope ?? '').split(/\s+/).filter((s) => s !== '');
}

function authFor(
  config: HttpConnectionConfig,
  dispatcher: Dispatcher,
  timeout: number,
  env?: ConnectionEnv,
): UpstreamAuth {
  // without an explicit kind, Fusio's fields decide: username/password, else a raw authorization header
  const kind = config.auth ?? (config.username ? 'basic' : config.authorization ? 'header' : 'none');
  switch (kind) {
    case 'basic':
      if (!config.username) throw new Error('Basic authentication needs a username');
      return basicAuth(config.username, config.password ?? '');
    case 'bearer':
      if (!config.token) throw new Error('Bearer authentication needs a token');
      return fixedAuth(`Bearer ${config.token}`);
    case 'oauth2': {
      const { tokenUrl, clientId, clientSecret } = config;
      if (!tokenUrl || !clientId || !clientSecret) {
        throw new Error('OAuth2 client credentials need a token URL, a client id and a client secret');
      }
      assertHttpUrl(tokenUrl, 'Token URL');
      return new ClientCredentialsAuth(
        { tokenUrl, clientId, clientSecret, scope: config.scope, clientAuth: config.clientAuth ?? 'basic', timeout },
        dispatcher,
      );
    }
    case 'oauth2-code': {
      authorizationCodeOf(config);
      const expiresAt = Number(config.tokenExpiresAt);
      return new AuthorizationCodeAuth(
        {
          accessToken: config.accessToken,
          expiresAt: Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : undefined,
        },
        config.refreshToken ? env?.renewToken : undefined,
      );
    }
    case 'header':
      return fixedAuth(config.authorization as string);
    default:
      return config.authorization ? fixedAuth(config.authorization) : noAuth;
  }
}

function assertHttpUrl(value: string, label: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${label} "${value}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${label} must be an http or https URL`);
  return url;
}

export const httpConnection = defineConnectionType<HttpConnectionConfig, HttpUpstream>({
  class: httpConnectionClass,
  name: 'HTTP',
  description: 'An HTTP upstream: base URL, fixed headers, authentication and a keep-alive connection pool',
  config: {
    type: 'object',
    properties: {
      url: {
        type: 'string',
        title: 'URL',
        description: 'Base URL of the upstream, e.g. http://legacy.internal:8080/app; action URLs are appended to it',
      },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        title: 'Headers',
        description: 'Headers sent with every request',
      },
      auth: {
        type: 'string',
        enum: ['none', 'basic', 'bearer', 'oauth2', 'oauth2-code'],
        'x-labels': {
          none: 'None',
          basic: 'Basic',
          bearer: 'Bearer token',
          oauth2: 'OAuth2 client credentials',
          'oauth2-code': 'OAuth2 authorization code (an administrator consents once)',
        },
        title: 'Authentication',
        description: 'How Portico authenticates to the upstream (the caller’s own Authorization is never forwarded)',
      },
      username: { type: 'string', title: 'Username', description: 'Basic authentication' },
      password: { type: 'string', title: 'Password', description: 'Basic authentication', 'x-secret': true },
      token: { type: 'string', title: 'Token', description: 'Bearer token', 'x-secret': true },
      authorization: {
        type: 'string',
        title: 'Authorization',
        description: 'A fixed Authorization header value, e.g. "Bearer my_token" (Fusio’s field)',
        'x-secret': true,
      },
      authorizationUrl: {
        type: 'string',
        title: 'Authorization URL',
        description: 'OAuth2 authorization endpoint (authorization code): where the administrator consents',
      },
      tokenUrl: { type: 'string', title: 'Token URL', description: 'OAuth2 token endpoint' },
      clientId: { type: 'string', title: 'Client ID', description: 'OAuth2 client id' },
      clientSecret: { type: 'string', title: 'Client secret', description: 'OAuth2 client secret', 'x-secret': true },
      scope: { type: 'string', title: 'Scope', description: 'OAuth2 scopes, separated by spaces' },
      clientAuth: {
        type: 'string',
        enum: ['basic', 'body'],
        'x-labels': { basic: 'HTTP Basic (client_secret_basic)', body: 'Form body (client_secret_post)' },
        title: 'Client authentication',
        description: 'How the client id and secret are sent to the token endpoint (default: HTTP Basic)',
      },
      accessToken: {
        type: 'string',
        title: 'Access token',
        description: 'Obtained by the OAuth2 authorization (authorization code); renewed with the refresh token',
        'x-secret': true,
      },
      refreshToken: {
        type: 'string',
        title: 'Refresh token',
        description: 'Obtained by the OAuth2 authorization (authorization code)',
        'x-secret': true,
      },
      tokenExpiresAt: {
        type: 'string',
        pattern: '^[0-9]{0,15}$',
        title: 'Access token expiry',
        description: 'When the access token expires (epoch milliseconds), as the provider said',
        'x-secret': true,
      },
      timeout: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 3600,
        title: 'Timeout (s)',
        description: `Seconds to wait for the upstream's response headers, and between body chunks; fractions allowed (default ${defaultTimeout / 1000})`,
      },
      verify: {
        type: 'boolean',
        title: 'Verify TLS',
        description: 'Uncheck to accept an invalid TLS certificate (never in production)',
      },
      proxy: { type: 'string', title: 'Proxy', description: 'Optional forward proxy, e.g. http://proxy.internal:3128' },
    },
  },
  authorizationCode: authorizationCodeOf,
  sdkSpecification: httpSpecification,
  async connect(config, env) {
    const base = config.url ? assertHttpUrl(config.url, 'URL') : null;
    // seconds, as in Fusio's HTTP connection; everything below works in milliseconds
    const timeout = config.timeout !== undefined ? Math.max(1, Math.round(config.timeout * 1000)) : defaultTimeout;
    const connect = { timeout: Math.min(timeout, 10_000), rejectUnauthorized: config.verify !== false };
    const options: Agent.Options = {
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 600_000,
      connections: 256,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect,
    };
    let dispatcher: Dispatcher;
    if (config.proxy) {
      assertHttpUrl(config.proxy, 'Proxy');
      dispatcher = new ProxyAgent({ ...options, uri: config.proxy, requestTls: connect });
    } else {
      dispatcher = new Agent(options);
    }
    try {
      const auth = authFor(config, dispatcher, timeout, env);
      return new HttpUpstream(dispatcher, base, config.headers ?? {}, auth, timeout, true);
    } catch (error) {
      await dispatcher.close();
      throw error;
    }
  },
  async close(client) {
    await client.close();
  },
});
