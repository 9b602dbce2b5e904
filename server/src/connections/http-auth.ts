import type { Dispatcher } from 'undici';
import { PorticoError } from '../errors.js';

/** How Portico authenticates itself to an upstream: one Authorization header value per request. */
export interface UpstreamAuth {
  /** the Authorization header value, or undefined for none */
  header(): Promise<string | undefined> | string | undefined;
  /** the upstream rejected `value` (401): forget it so the next call gets a fresh one; false if it cannot */
  rejected(value: string): boolean;
}

export const noAuth: UpstreamAuth = { header: () => undefined, rejected: () => false };

export function fixedAuth(value: string): UpstreamAuth {
  return { header: () => value, rejected: () => false };
}

export function basicAuth(username: string, password: string): UpstreamAuth {
  return fixedAuth(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
}

export interface ClientCredentialsConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  /** RFC 6749 2.3.1: HTTP Basic (recommended) or client_id/client_secret in the form body */
  clientAuth: 'basic' | 'body';
  timeout: number;
}

interface CachedToken {
  readonly header: string;
  readonly refreshAt: number;
}

/**
 * OAuth2 client credentials: the token is fetched once, shared by every request of the connection,
 * renewed shortly before it expires, and fetched again (once) when the upstream answers 401.
 * Concurrent requests wait for one token request instead of each starting their own.
 */
export class ClientCredentialsAuth implements UpstreamAuth {
  private token: CachedToken | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly config: ClientCredentialsConfig,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number = Date.now,
  ) {}

  header(): Promise<string> | string {
    const token = this.token;
    if (token && this.now() < token.refreshAt) return token.header;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  rejected(value: string): boolean {
    if (this.token?.header === value) this.token = null;
    return true;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, clientAuth, timeout } = this.config;
    const url = new URL(tokenUrl);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (clientAuth === 'body') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      // RFC 6749 2.3.1: both parts are form-encoded before they are joined
      const user = encodeURIComponent(clientId);
      const pass = encodeURIComponent(clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    const started = this.now();
    const response = await this.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers,
      body: form.toString(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await response.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below with the status
    }
    if (response.statusCode < 200 || response.statusCode >= 300 || typeof json.access_token !== 'string') {
      const reason = typeof json.error === 'string' ? ` (${json.error})` : '';
      throw new PorticoError(
        'BAD_GATEWAY',
        `Could not get an access token for the upstream: the token endpoint answered ${response.statusCode}${reason}`,
      );
    }
    const lifetime = Number(json.expires_in);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 3600;
    // renew a little early so a request never carries a token that expires on its way
    const margin = Math.min(60, seconds * 0.1) * 1000;
    const type =
      typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer' ? json.token_type : 'Bearer';
    const header = `${type} ${json.access_token}`;
    this.token = { header, refreshAt: started + seconds * 1000 - margin };
    return header;
  }
}
