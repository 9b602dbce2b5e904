/** CORS for every route, preflights included (Fusio answered some preflights with 405). */
export interface CorsPolicy {
  readonly origins: '*' | ReadonlySet<string>;
  readonly maxAge: number;
}

const exposed = [
  'X-Request-Id',
  'X-Operation-Id',
  'X-Stability',
  'WWW-Authenticate',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'Location',
].join(', ');

const defaultAllowedHeaders =
  'Accept, Accept-Language, Authorization, Content-Language, Content-Type, User-Agent, X-Request-Id';

export function corsPolicy(origins: '*' | readonly string[]): CorsPolicy {
  return { origins: origins === '*' ? '*' : new Set(origins), maxAge: 600 };
}

const wildcardHeaders = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': exposed,
});

/**
 * Headers for an ordinary response, or null when there are none to send: browsers send `Origin` on
 * every cross-origin request, so other clients are spared the bytes.
 */
export function corsHeaders(origin: string | undefined, policy: CorsPolicy): Readonly<Record<string, string>> | null {
  if (!origin) return null;
  if (policy.origins === '*') return wildcardHeaders;
  if (!policy.origins.has(origin)) return null;
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': exposed,
    vary: 'Origin',
  };
}

/** Headers for a preflight (OPTIONS) response. */
export function preflightHeaders(
  origin: string | undefined,
  requestedHeaders: string | undefined,
  allow: readonly string[],
  policy: CorsPolicy,
): Record<string, string> {
  const base = corsHeaders(origin, policy);
  const headers: Record<string, string> = { allow: allow.join(', ') };
  if (!base) return headers;
  return {
    ...headers,
    ...base,
    'access-control-allow-methods': allow.join(', '),
    'access-control-allow-headers':
      requestedHeaders && requestedHeaders.length < 1024 ? requestedHeaders : defaultAllowedHeaders,
    'access-control-max-age': String(policy.maxAge),
  };
}
