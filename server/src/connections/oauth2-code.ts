import { request } from 'undici';
import { badRequest, PorticoError } from '../errors.js';
import type { AuthorizationCodeSettings, ConnectionTokenSet } from '../plugins/connection.js';
import type { UpstreamAuth } from './http-auth.js';

/** The provider's authorization URL with the request of RFC 6749 4.1.1 in its query. */
export function authorizationRedirect(settings: AuthorizationCodeSettings, redirectUri: string, state: string): string {
  const url = new URL(settings.authorizationUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  if (settings.scope) url.searchParams.set('scope', settings.scope);
  url.searchParams.set('state', state);
  return url.toString();
}

/**
 * A token request (RFC 6749 4.1.3 or 6): the code or refresh token for tokens. A provider that refuses
 * is a 400 naming its error; one that cannot be reached or answers nonsense is a 502.
 */
export async function requestTokens(
  settings: AuthorizationCodeSettings,
  grant:
    | { grant_type: 'authorization_code'; code: string; redirect_uri: string }
    | { grant_type: 'refresh_token'; refresh_token: string },
  previousRefreshToken?: string,
): Promise<ConnectionTokenSet> {
  const form = new URLSearchParams(grant);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (settings.clientAuth === 'body') {
    form.set('client_id', settings.clientId);
    form.set('client_secret', settings.clientSecret);
  } else {
    const user = encodeURIComponent(settings.clientId);
    const pass = encodeURIComponent(settings.clientSecret);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const started = Date.now();
  let status: number;
  let text: string;
  try {
    const response = await request(settings.tokenUrl, {
      method: 'POST',
      headers,
      body: form.toString(),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new PorticoError(
      'BAD_GATEWAY',
      'The token endpoint of the connection is not reachable',
      {},
      { cause: error },
    );
  }
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // reported below with the status
  }
  if (status >= 400 && status < 500) {
    const reason = typeof json.error === 'string' ? ` (${json.error.slice(0, 64)})` : '';
    throw badRequest(`Could not obtain an access token: the provider answered ${status}${reason}`);
  }
  if (status !== 200 || typeof json.access_token !== 'string' || json.access_token === '') {
    throw new PorticoError('BAD_GATEWAY', `Could not obtain an access token: the provider answered ${status}`);
  }
  const lifetime = Number(json.expires_in);
  return {
    accessToken: json.access_token,
    // a provider that does not rotate refresh tokens sends none with a refresh: the old one stays good
    refreshToken:
      typeof json.refresh_token === 'string' && json.refresh_token !== '' ? json.refresh_token : previousRefreshToken,
    expiresAt: Number.isFinite(lifetime) && lifetime > 0 ? started + lifetime * 1000 : undefined,
  };
}

/**
 * The bearer token an authorization code gave the connection. Shortly before it expires, or when the
 * upstream refuses it, `renew` (the platform: refresh token, then store) gives a new one.
 */
export class AuthorizationCodeAuth implements UpstreamAuth {
  private current: { token: string; renewAt: number } | null;
  private pending: Promise<string> | null = null;

  constructor(
    tokens: { accessToken?: string | undefined; expiresAt?: number | undefined },
    private readonly renew: ((stale: string) => Promise<ConnectionTokenSet>) | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.current = tokens.accessToken ? { token: tokens.accessToken, renewAt: renewAt(tokens.expiresAt) } : null;
  }

  header(): Promise<string> | string {
    const current = this.current;
    if (!current) {
      throw new PorticoError(
        'SERVICE_UNAVAILABLE',
        'The connection is not authorized yet: an administrator starts its OAuth2 authorization in the admin app',
      );
    }
    if (this.now() < current.renewAt || !this.renew) return `Bearer ${current.token}`;
    return this.renewed(current.token);
  }

  rejected(value: string): boolean {
    if (!this.renew || !this.current || value !== `Bearer ${this.current.token}`) return false;
    this.current = { token: this.current.token, renewAt: 0 };
    return true;
  }

  private renewed(stale: string): Promise<string> {
    const renew = this.renew as (stale: string) => Promise<ConnectionTokenSet>;
    this.pending ??= renew(stale)
      .then((tokens) => {
        // the stored config changed, so this client is rebuilt soon; until then the new token serves
        this.current = { token: tokens.accessToken, renewAt: renewAt(tokens.expiresAt) };
        return `Bearer ${tokens.accessToken}`;
      })
      .catch((error: unknown) => {
        // the provider refused the refresh token: for the API's callers the upstream is unavailable
        if (error instanceof PorticoError && error.status === 400) {
          throw new PorticoError(
            'SERVICE_UNAVAILABLE',
            `The connection's authorization ran out (${error.message}): an administrator authorizes it again`,
          );
        }
        throw error;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}

/** Renew half a minute early, so a request never carries a token that expires on its way. */
function renewAt(expiresAt: number | undefined): number {
  return expiresAt ? expiresAt - 30_000 : Number.POSITIVE_INFINITY;
}
