import type { JsonSchema } from '../plugins/action.js';
import type { Plugin } from '../plugins/registry.js';

/** What Portico sends the user to the provider with. */
export interface AuthorizationRequest {
  /** Portico's exchange endpoint for this identity, registered at the provider as the callback */
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  /** PKCE S256 challenge of the request's code verifier */
  readonly codeChallenge: string;
}

/** The provider sent the browser back: what is needed to redeem the code. */
export interface CodeExchange {
  /** the exchange request as received (code, state, iss) on Portico's public URL */
  readonly callbackUrl: URL;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** A user as the provider reports them. */
export interface RemoteUser {
  /** the provider's stable id for the user (OIDC `sub`, GitHub's numeric id) */
  readonly id: string;
  /** what the user is called there, a suggestion for a new account's name */
  readonly name: string | undefined;
  readonly email: string | undefined;
  /** true only when the provider itself says it checked the address */
  readonly emailVerified: boolean;
}

/** Limits for calls to a provider. */
export interface ProviderCallOptions {
  readonly timeoutMs: number;
}

/** An identity provider class (Fusio's `Fusio\Impl\Provider\Identity\*`). */
export interface IdentityProviderType extends Plugin {
  readonly config: JsonSchema;
  /** Bootstrap icon shown on the login button when the identity names none */
  readonly icon: string;
  /** config properties holding URLs, checked to be https (http only for loopback addresses) */
  readonly urlFields: readonly string[];
  authorizationUrl(
    config: Readonly<Record<string, unknown>>,
    request: AuthorizationRequest,
    options: ProviderCallOptions,
  ): Promise<URL>;
  exchange(
    config: Readonly<Record<string, unknown>>,
    exchange: CodeExchange,
    options: ProviderCallOptions,
  ): Promise<RemoteUser>;
}

export function defineIdentityProvider(type: IdentityProviderType): IdentityProviderType {
  return type;
}

/** The provider refused the login (denied, bad or used code, ID token that does not check out): a 400. */
export class ProviderRejected extends Error {
  override readonly name = 'ProviderRejected';
}

/** The provider could not be reached or answered nonsense: a 502; the message is for the log only. */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A provider URL from an identity's config: https, or plain http to a loopback address (a provider on
 * the same machine, e.g. in development). Returns an error message, or null when the URL is fine.
 */
export function providerUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'must not be empty';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && loopbackHosts.has(url.hostname)) return null;
  return 'must be an https URL (http is accepted for localhost only)';
}

export function isInsecureLoopback(value: string): boolean {
  return new URL(value).protocol === 'http:';
}
