import { apiBaseUrl } from '../../../lib/runtime';
import { type Session, type SessionOptions, sessionFromTokens } from '../../../lib/session';

/** The admin app's session: its own storage key (the portal's login in the same browser is another one). */
export const adminSessionKey = 'portico.admin.session';

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

/** Why a login was refused, in words for the login form. */
export class AdminLoginError extends Error {
  constructor(
    message: string,
    /** `not-admin`: the credentials are right but the account may not use the backend API */
    readonly kind: 'credentials' | 'not-admin' | 'throttled' | 'unavailable',
  ) {
    super(message);
    this.name = 'AdminLoginError';
  }
}

export const notAdminMessage =
  'This account is not an administrator: the admin app needs the backend scope. Log in with an administrator account, or use the developer portal.';

async function tokenRequest(body: URLSearchParams, basic?: string): Promise<TokenAnswer & { status: number }> {
  // a network failure stays a TypeError: the session keeper then keeps the session for the next try
  const answer = await fetch(`${apiBaseUrl()}/authorization/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(basic ? { authorization: `Basic ${basic}` } : {}),
    },
    body,
  });
  const parsed = (await answer.json().catch(() => ({}))) as TokenAnswer;
  return { ...parsed, status: answer.status };
}

/** Base64 of `user:password` in UTF-8 (btoa alone takes only Latin-1). */
function basicOf(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function revokeQuietly(token: string): void {
  void fetch(`${apiBaseUrl()}/authorization/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  }).catch(() => undefined);
}

/**
 * Logs an administrator in the way the CLI and fusio-sdk do: `client_credentials` at /authorization/token
 * with the user's name (or email) and password as Basic credentials. A token without the `backend` scope
 * is revoked at once and refused with a message saying why.
 */
export async function adminLogin(username: string, password: string): Promise<Session> {
  const answer = await tokenRequest(
    new URLSearchParams({ grant_type: 'client_credentials' }),
    basicOf(username, password),
  ).catch(() => {
    throw new AdminLoginError('Portico cannot be reached. Check your connection and try again.', 'unavailable');
  });
  if (answer.status === 429) {
    throw new AdminLoginError(answer.error_description ?? 'Too many failed logins. Wait a moment.', 'throttled');
  }
  if (answer.error === 'invalid_scope') throw new AdminLoginError(notAdminMessage, 'not-admin');
  if (answer.status === 401 || answer.error === 'invalid_client') {
    throw new AdminLoginError('Invalid name or password', 'credentials');
  }
  if (!answer.access_token || answer.status >= 400) {
    throw new AdminLoginError(answer.error_description ?? 'The login failed. Please try again.', 'unavailable');
  }
  const scopes = (answer.scope ?? '').split(/[ ,]+/);
  if (!scopes.includes('backend')) {
    revokeQuietly(answer.access_token);
    throw new AdminLoginError(notAdminMessage, 'not-admin');
  }
  return sessionFromTokens(answer.access_token, answer.refresh_token ?? '', answer.expires_in);
}

/** A refresh at /authorization/token (a first-party token needs no client credentials). */
async function renewAdmin(refreshToken: string): Promise<Session> {
  const answer = await tokenRequest(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }));
  if (!answer.access_token) {
    // the session keeper treats an error with a payload as "refused" and a TypeError as "offline"
    throw Object.assign(new Error(answer.error_description ?? 'Invalid refresh token'), {
      payload: { title: 'Bad Request', message: answer.error_description },
    });
  }
  return sessionFromTokens(answer.access_token, answer.refresh_token ?? '', answer.expires_in);
}

export const adminSessionOptions: SessionOptions = { storageKey: adminSessionKey, renew: renewAdmin };
