import { type ActionResponse, response } from '../plugins/action.js';

/** Responses of the OAuth2 endpoints are never cached (RFC 6749 §5.1). */
export const noStore: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** An RFC 6749 §5.2 error, thrown inside the OAuth2 flows and rendered at their endpoint. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    /** invalid_client after a failed client authentication: answer with a Basic challenge */
    readonly challenge = false,
    /** extra response headers, e.g. Retry-After */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const invalidClient = (description = 'Unknown credentials') =>
  new OAuthError('invalid_client', description, 401, true);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);

/** RFC 6749 §5.2 errors, as Fusio's token endpoint sends them. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  challenge = false,
  extraHeaders: Readonly<Record<string, string>> = {},
): ActionResponse {
  const headers: Record<string, string> = { ...noStore, ...extraHeaders };
  if (challenge) headers['www-authenticate'] = 'Basic realm="Portico"';
  return response(status, { error, error_description: description }, headers);
}

export function oauthErrorResponse(error: OAuthError): ActionResponse {
  return oauthError(error.status, error.error, error.description, error.challenge, error.headers);
}

/** Runs an OAuth2 endpoint: an OAuthError becomes its RFC 6749 response, anything else propagates. */
export async function asOAuthResponse(run: () => Promise<ActionResponse>): Promise<ActionResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuthError) return oauthErrorResponse(error);
    throw error;
  }
}
