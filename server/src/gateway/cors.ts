import type { RateLimitHeaderForm } from '../settings/settings.js';

/** CORS for every route, preflights included (Fusio answered some preflights with 405). */
export interface CorsPolicy {
  readonly origins: '*' | ReadonlySet<string>;
  readonly maxAge: number;
}

/** What a browser script may read: the headers Portico sends, the rate-limit ones in the configured form. */
const exposedCommon = [
  'X-Request-Id',
  'X-Operation-Id',
  'X-Stability',
  'Deprecation',
  'Sunset',
  'WWW-Authenticate',
  'Retry-After',
  'Location',
];
const exposedRate: Record<RateLimitHeaderForm, readonly string[]> = {
  fusio: ['RateLimit-Limit', 'RateLimit-Remaining'],
  ietf: ['RateLimit-Policy', 'RateLimit'],
  all: [
    'RateLimit-Limit',
    'RateLimit-Remaining',
    'RateLimit-Policy',
    'RateLimit',
    'X-RateLimit-Limit',
    'X-RateLimit-Remaining',
  ],
};
const exposed = (form: RateLimitHeaderForm) => [...exposedCommon, ...exposedRate[form]].join(', ');
const exposedByForm: Record<RateLimitHeaderForm, string> = {
  fusio: exposed('fusio'),
  ietf: exposed('ietf'),
  all: exposed('all'),
};

const defaultAllowedHeaders =
  'Accept, Accept-Language, Authorization, Content-Language, Content-Type, User-Agent, X-Request-Id';

export function corsPolicy(origins: '*' | readonly string[]): CorsPolicy {
  return { origins: origins === '*' ? '*' : new Set(origins), maxAge: 600 };
}

const wildcard = (form: RateLimitHeaderForm) =>
  Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': exposedByForm[form] });
const wildcardHeaders: Record<RateLimitHeaderForm, Readonly<Record<string, string>>> = {
  fusio: wildcard('fusio'),
  ietf: wildcard('ietf'),
  all: wildcard('all'),
};

/**
 * Headers for an ordinary response, or null when there are none to send: browsers send `Origin` on
 * every cross-origin request, so other clients are spared the bytes.
 */
export function corsHeaders(
  origin: string | undefined,
  policy: CorsPolicy,
  form: RateLimitHeaderForm = 'fusio',
): Readonly<Record<string, string>> | null {
  if (!origin) return null;
  if (policy.origins === '*') return wildcardHeaders[form];
  if (!policy.origins.has(origin)) return null;
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': exposedByForm[form],
    vary: 'Origin',
  };
}

/** Headers for a preflight (OPTIONS) response. */
export function preflightHeaders(
  origin: string | undefined,
  requestedHeaders: string | undefined,
  allow: readonly string[],
  policy: CorsPolicy,
  form: RateLimitHeaderForm = 'fusio',
): Record<string, string> {
  const base = corsHeaders(origin, policy, form);
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
