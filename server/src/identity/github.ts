import {
  type AuthorizationRequest,
  type CodeExchange,
  defineIdentityProvider,
  type ProviderCallOptions,
  ProviderRejected,
  ProviderUnavailable,
  type RemoteUser,
} from './provider.js';

interface GithubSettings {
  clientId: string;
  clientSecret: string;
  authorizationUri: string;
  tokenUri: string;
  userInfoUri: string;
}

function settingsOf(config: Readonly<Record<string, unknown>>): GithubSettings {
  return {
    clientId: String(config.client_id),
    clientSecret: String(config.client_secret),
    authorizationUri: String(config.authorization_uri),
    tokenUri: String(config.token_uri),
    userInfoUri: String(config.user_info_uri),
  };
}

/** One call to GitHub: JSON in, JSON out, a time limit; network trouble is "unavailable". */
async function call(
  step: string,
  url: string,
  init: RequestInit,
  options: ProviderCallOptions,
): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw new ProviderUnavailable(`${step}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 500) throw new ProviderUnavailable(`${step}: HTTP ${res.status}`);
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ProviderUnavailable(`${step}: HTTP ${res.status} with a body that is not JSON`);
  }
  return { status: res.status, body };
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

async function accessToken(settings: GithubSettings, exchange: CodeExchange, options: ProviderCallOptions) {
  const code = exchange.callbackUrl.searchParams.get('code') ?? '';
  const { status, body } = await call(
    'token',
    settings.tokenUri,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        code,
        redirect_uri: exchange.redirectUri,
        code_verifier: exchange.codeVerifier,
      }),
    },
    options,
  );
  // GitHub answers a bad code with 200 and an error object
  const error = field(body, 'error');
  if (typeof error === 'string') {
    const description = field(body, 'error_description');
    throw new ProviderRejected([error, typeof description === 'string' ? description : ''].filter(Boolean).join(' - '));
  }
  const token = field(body, 'access_token');
  if (status !== 200 || typeof token !== 'string' || token === '') {
    throw new ProviderUnavailable(`token: HTTP ${status} without an access token`);
  }
  return token;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

function apiHeaders(token: string) {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'user-agent': 'Portico',
    'x-github-api-version': '2022-11-28',
  };
}

/** The addresses GitHub has verified; an empty list when the token may not read them (no user:email scope). */
async function emails(settings: GithubSettings, token: string, options: ProviderCallOptions): Promise<GithubEmail[]> {
  const url = `${settings.userInfoUri.replace(/\/+$/, '')}/emails`;
  const { status, body } = await call('emails', url, { headers: apiHeaders(token) }, options);
  if (status !== 200 || !Array.isArray(body)) return [];
  return body.filter(
    (e): e is GithubEmail =>
      typeof e === 'object' && e !== null && typeof (e as GithubEmail).email === 'string' && e.email !== '',
  );
}

/** GitHub (OAuth 2.0, no OpenID Connect): authorize, token, then the user API; Fusio's class name. */
export const githubProvider = defineIdentityProvider({
  class: 'Fusio.Impl.Provider.Identity.Github',
  name: 'Github',
  icon: 'bi-github',
  urlFields: ['authorization_uri', 'token_uri', 'user_info_uri'],
  config: {
    type: 'object',
    required: ['client_id', 'client_secret'],
    properties: {
      client_id: { type: 'string', minLength: 1, title: 'Client-ID', description: 'Client ID of the GitHub OAuth app' },
      client_secret: {
        type: 'string',
        minLength: 1,
        title: 'Client-Secret',
        description: 'Client secret of the GitHub OAuth app',
        'x-secret': true,
      },
      authorization_uri: {
        type: 'string',
        title: 'Authorization URL',
        default: 'https://github.com/login/oauth/authorize',
      },
      token_uri: { type: 'string', title: 'Token URL', default: 'https://github.com/login/oauth/access_token' },
      user_info_uri: {
        type: 'string',
        title: 'User API URL',
        description: 'The user resource; its /emails resource tells which addresses GitHub has verified',
        default: 'https://api.github.com/user',
      },
    },
  },

  async authorizationUrl(config, request: AuthorizationRequest) {
    const settings = settingsOf(config);
    const url = new URL(settings.authorizationUri);
    url.searchParams.set('client_id', settings.clientId);
    url.searchParams.set('redirect_uri', request.redirectUri);
    url.searchParams.set('scope', 'read:user user:email');
    url.searchParams.set('state', request.state);
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url;
  },

  async exchange(config, exchange, options): Promise<RemoteUser> {
    const settings = settingsOf(config);
    const token = await accessToken(settings, exchange, options);
    const profile = await call('user', settings.userInfoUri, { headers: apiHeaders(token) }, options);
    const id = field(profile.body, 'id');
    if (profile.status !== 200 || (typeof id !== 'number' && typeof id !== 'string') || String(id) === '') {
      throw new ProviderUnavailable(`user: HTTP ${profile.status} without a user id`);
    }
    const login = field(profile.body, 'login');
    const profileEmail = field(profile.body, 'email');
    const addresses = await emails(settings, token, options);
    let email: string | undefined;
    let verified = false;
    if (typeof profileEmail === 'string' && profileEmail !== '') {
      email = profileEmail;
      verified = addresses.some((a) => a.verified === true && a.email.toLowerCase() === profileEmail.toLowerCase());
    } else {
      const primary = addresses.find((a) => a.primary === true && a.verified === true);
      email = primary?.email;
      verified = primary !== undefined;
    }
    return {
      id: String(id),
      name: typeof login === 'string' && login !== '' ? login : undefined,
      email,
      emailVerified: verified,
    };
  },
});
