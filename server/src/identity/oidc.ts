import * as client from 'openid-client';
import { digest } from '../auth/secrets.js';
import {
  type AuthorizationRequest,
  type CodeExchange,
  isInsecureLoopback,
  type ProviderCallOptions,
  ProviderRejected,
  ProviderUnavailable,
  type RemoteUser,
} from './provider.js';

/** An OpenID Connect relying party's settings: the provider, the client and what to ask for. */
export interface OidcSettings {
  /** issuer URL, or the URL of its discovery document */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  /** which claim suggests the name of a new account, in order of preference */
  readonly nameClaims: readonly string[];
}

/** Discovered configurations, so a login does not fetch the discovery document and JWKS each time. */
const cache = new Map<string, { config: Promise<client.Configuration>; expires: number }>();
const cacheTtlMs = 60 * 60 * 1000;
const cacheLimit = 100;

function cacheKey(settings: OidcSettings): string {
  return `${settings.issuer}\n${settings.clientId}\n${digest(settings.clientSecret)}`;
}

async function discover(settings: OidcSettings, options: ProviderCallOptions): Promise<client.Configuration> {
  const insecure = isInsecureLoopback(settings.issuer);
  const timeout = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const discovered = await client.discovery(new URL(settings.issuer), settings.clientId, undefined, client.None(), {
    timeout,
    execute: insecure ? [client.allowInsecureRequests] : [],
  });
  const server = discovered.serverMetadata();
  // client_secret_basic is what every provider must support (RFC 6749 §2.3.1); post only when basic is not offered
  const methods = server.token_endpoint_auth_methods_supported;
  const auth =
    methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
      ? client.ClientSecretPost(settings.clientSecret)
      : client.ClientSecretBasic(settings.clientSecret);
  const config = new client.Configuration(server, settings.clientId, settings.clientSecret, auth);
  config.timeout = timeout;
  if (insecure) client.allowInsecureRequests(config);
  // the ID token's signature is checked against the provider's JWKS, not only its claims
  if (server.jwks_uri) client.enableNonRepudiationChecks(config);
  return config;
}

async function configuration(settings: OidcSettings, options: ProviderCallOptions): Promise<client.Configuration> {
  const key = cacheKey(settings);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.expires > now) return hit.config;
  if (cache.size >= cacheLimit) {
    for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
    if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string);
  }
  const config = discover(settings, options);
  cache.set(key, { config, expires: now + cacheTtlMs });
  // a failed discovery is tried again by the next login
  config.catch(() => {
    if (cache.get(key)?.config === config) cache.delete(key);
  });
  try {
    return await config;
  } catch (error) {
    throw translate(error, 'discovery');
  }
}

export async function oidcAuthorizationUrl(
  settings: OidcSettings,
  request: AuthorizationRequest,
  options: ProviderCallOptions,
): Promise<URL> {
  const config = await configuration(settings, options);
  return client.buildAuthorizationUrl(config, {
    redirect_uri: request.redirectUri,
    scope: settings.scope,
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  });
}

export async function oidcExchange(
  settings: OidcSettings,
  exchange: CodeExchange,
  options: ProviderCallOptions,
): Promise<RemoteUser> {
  const config = await configuration(settings, options);
  let claims: Record<string, unknown>;
  let accessToken: string;
  try {
    const tokens = await client.authorizationCodeGrant(config, exchange.callbackUrl, {
      pkceCodeVerifier: exchange.codeVerifier,
      expectedState: exchange.state,
      expectedNonce: exchange.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new ProviderRejected('the provider sent no ID token');
    claims = { ...idToken };
    accessToken = tokens.access_token;
  } catch (error) {
    throw translate(error, 'code exchange');
  }
  const sub = String(claims.sub);
  if (config.serverMetadata().userinfo_endpoint) {
    try {
      // the ID token may carry only `sub`; profile and email claims often come from userinfo
      const info = await client.fetchUserInfo(config, accessToken, sub);
      claims = { ...claims, ...info };
    } catch (error) {
      throw translate(error, 'userinfo');
    }
  }
  const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email : undefined;
  const name = settings.nameClaims.map((c) => claims[c]).find((v): v is string => typeof v === 'string' && v !== '');
  return {
    id: sub,
    name,
    email,
    // some providers send the claim as a string
    emailVerified: email !== undefined && (claims.email_verified === true || claims.email_verified === 'true'),
  };
}

const unavailableCodes = new Set([
  'OAUTH_RESPONSE_IS_NOT_CONFORM',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_PARSE_ERROR',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
  'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
]);

function describe(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message}: ${cause}` : error.message;
}

/** openid-client's errors as "the provider said no" (400) or "the provider is not usable" (502). */
function translate(error: unknown, step: string): Error {
  if (error instanceof ProviderRejected || error instanceof ProviderUnavailable) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new ProviderRejected([error.error, error.error_description].filter(Boolean).join(' - '));
  }
  if (error instanceof client.ResponseBodyError) {
    const text = [error.error, error.error_description].filter(Boolean).join(' - ');
    if (error.status >= 500) return new ProviderUnavailable(`${step}: HTTP ${error.status} ${text}`);
    return new ProviderRejected(text);
  }
  if (error instanceof client.ClientError) {
    if (error.code && unavailableCodes.has(error.code)) return new ProviderUnavailable(`${step}: ${describe(error)}`);
    return new ProviderRejected(describe(error));
  }
  // network failures (fetch's TypeError), timeouts (DOMException) and anything unexpected
  return new ProviderUnavailable(`${step}: ${error instanceof Error ? describe(error) : String(error)}`);
}
