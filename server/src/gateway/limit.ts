import type { Caller } from '../auth/caller.js';
import { PorticoError } from '../errors.js';
import type { RateDecision, RateLimiter } from '../limits/limiter.js';
import type { RateLimitHeaderForm } from '../settings/settings.js';
import type { CompiledOperation } from './types.js';

/**
 * Stage 3b, between authorize and body parsing: counts the request against the rate that applies and puts
 * the rate's headers on the response, whatever its status. Over the limit: 429 with Fusio's message and
 * `Retry-After`. Returns nothing when counting happened in memory (no await on the hot path), a promise when
 * it happens in Redis.
 */
export function limitRequest(
  limiter: RateLimiter,
  operation: CompiledOperation,
  caller: Caller,
  ip: string,
  headers: Record<string, string>,
  form: RateLimitHeaderForm,
  onRejected?: (rateName: string) => void,
): Promise<void> | undefined {
  const decision = limiter.check(operation.id, caller, ip);
  if (decision === null) return undefined;
  if (decision instanceof Promise) return decision.then((d) => apply(d, headers, form, onRejected));
  apply(decision, headers, form, onRejected);
  return undefined;
}

/**
 * The headers the `rate_limit_headers` setting asks for, in one form by default: `fusio` is what Fusio
 * sends and its clients read (`RateLimit-Limit`, `RateLimit-Remaining`); `ietf` the fields of
 * draft-ietf-httpapi-ratelimit-headers-10 (`RateLimit-Policy`, `RateLimit`); `all` both, plus
 * `X-RateLimit-Limit`/`X-RateLimit-Remaining` for older clients. Every header costs on every response.
 */
function apply(
  decision: RateDecision,
  headers: Record<string, string>,
  form: RateLimitHeaderForm,
  onRejected?: (rateName: string) => void,
): void {
  const rate = decision.rate;
  const remaining = String(decision.remaining);
  const seconds = decision.resetMs < 0 ? Math.ceil(rate.windowMs / 1000) : Math.ceil(decision.resetMs / 1000);
  if (form !== 'ietf') {
    headers['ratelimit-limit'] = rate.limitText;
    headers['ratelimit-remaining'] = remaining;
  }
  if (form !== 'fusio') {
    headers['ratelimit-policy'] = rate.policyHeader;
    headers.ratelimit = `${rate.policyId};r=${remaining};t=${seconds}`;
  }
  if (form === 'all') {
    headers['x-ratelimit-limit'] = rate.limitText;
    headers['x-ratelimit-remaining'] = remaining;
  }
  if (!decision.allowed) {
    onRejected?.(rate.name);
    throw new PorticoError('TOO_MANY_REQUESTS', 'Rate limit exceeded', { 'retry-after': String(Math.max(seconds, 1)) });
  }
}
