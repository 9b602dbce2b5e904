import type { Kysely } from 'kysely';
import { matchesDigest } from '../auth/secrets.js';
import { type AppRow, AppStatus, type Database } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { invalidClient, invalidRequest, OAuthError } from './errors.js';

/**
 * Apps are OAuth2 clients (client_id = app key). Fusio has no client registration beyond the app's
 * `url`, so Portico reads two RFC 7591 client metadata names from the app's metadata:
 *   - `token_endpoint_auth_method`: `none` makes the app a public client (a browser or mobile app
 *     that cannot keep a secret): it sends only its client_id, must use PKCE and may not use
 *     client_credentials. Anything else (the default) is a confidential client that authenticates
 *     with its secret by HTTP Basic (`client_secret_basic`) or in the form (`client_secret_post`).
 *   - `redirect_uris`: the exact redirect URIs, separated by spaces (or a JSON array). Without it the
 *     app's `url` is its one redirect URI. Redirect URIs are compared as exact strings.
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface OAuthClient {
  readonly app: AppRow;
  readonly isPublic: boolean;
  readonly redirectUris: readonly string[];
}

export function clientOf(app: AppRow): OAuthClient {
  const metadata = parseJsonColumn<Record<string, unknown>>(app.metadata) ?? {};
  return {
    app,
    isPublic: metadata.token_endpoint_auth_method === 'none',
    redirectUris: registeredRedirectUris(metadata.redirect_uris, app.url),
  };
}

export function registeredRedirectUris(listed: unknown, appUrl: string): string[] {
  let uris: unknown[] = [];
  if (Array.isArray(listed)) uris = listed;
  else if (typeof listed === 'string' && listed.trim() !== '') {
    const text = listed.trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) uris = parsed;
      } catch {
        uris = [];
      }
    } else uris = text.split(/\s+/);
  } else if (appUrl !== '') uris = [appUrl];
  return uris.filter((u): u is string => typeof u === 'string' && isValidRedirectUri(u));
}

/** An absolute URI without a fragment (RFC 6749 §3.1.2); custom schemes are for native apps (RFC 8252). */
export function isValidRedirectUri(uri: string): boolean {
  if (uri.length > 1023 || uri.includes('#')) return false;
  try {
    const parsed = new URL(uri);
    return parsed.protocol !== 'javascript:' && parsed.protocol !== 'data:' && parsed.protocol !== 'file:';
  } catch {
    return false;
  }
}

export async function findActiveApp(db: Kysely<Database>, clientId: string): Promise<AppRow | undefined> {
  if (clientId === '' || clientId.length > 255) return undefined;
  const app = await db.selectFrom('apps').selectAll().where('app_key', '=', clientId).executeTakeFirst();
  return app && app.status === AppStatus.active ? app : undefined;
}

/** What the client presented to authenticate itself at the token, revocation or introspection endpoint. */
export interface PresentedCredentials {
  readonly id: string;
  /** undefined: the client sent only its id (a public client) */
  readonly secret: string | undefined;
  readonly method: ClientAuthMethod;
}

function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

export function basicCredentials(header: string | string[] | undefined): { id: string; secret: string } | null {
  if (typeof header !== 'string' || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  // RFC 6749 §2.3.1 form-encodes ids and secrets before Basic; plain ones pass through unchanged
  return { id: decodeFormComponent(decoded.slice(0, colon)), secret: decodeFormComponent(decoded.slice(colon + 1)) };
}

export function bodyField(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The client credentials of a request: HTTP Basic, or client_id (+ client_secret) in the body.
 * Using two methods at once is refused (RFC 6749 §2.3).
 */
export function presentedCredentials(
  authorization: string | string[] | undefined,
  body: unknown,
): PresentedCredentials | null {
  const basic = basicCredentials(authorization);
  const bodyId = bodyField(body, 'client_id');
  const bodySecret = bodyField(body, 'client_secret');
  if (basic) {
    if (bodySecret !== undefined) throw invalidRequest('Use only one method to authenticate the client');
    if (bodyId !== undefined && bodyId !== basic.id) throw invalidRequest('client_id does not match the credentials');
    return { id: basic.id, secret: basic.secret, method: 'client_secret_basic' };
  }
  if (bodyId === undefined || bodyId === '') return null;
  if (bodySecret !== undefined) return { id: bodyId, secret: bodySecret, method: 'client_secret_post' };
  return { id: bodyId, secret: undefined, method: 'none' };
}

/**
 * Authenticates an app as an OAuth2 client: a confidential client must prove its secret, a public
 * client names itself. Throws invalid_client (401) otherwise.
 */
export async function authenticateClient(
  db: Kysely<Database>,
  credentials: PresentedCredentials | null,
): Promise<OAuthClient> {
  if (!credentials) throw invalidClient('Client authentication required');
  const app = await db.selectFrom('apps').selectAll().where('app_key', '=', credentials.id).executeTakeFirst();
  if (!app) throw invalidClient();
  const client = clientOf(app);
  if (credentials.secret === undefined) {
    if (!client.isPublic) throw invalidClient('Client authentication required');
  } else if (!matchesDigest(credentials.secret, app.app_secret)) {
    throw invalidClient();
  }
  if (app.status !== AppStatus.active) throw new OAuthError('invalid_client', 'Invalid app status', 400);
  return client;
}
