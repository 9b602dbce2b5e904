import type { Caller } from '../auth/caller.js';
import { Category } from '../db/schema.js';
import type { PorticoError } from '../errors.js';
import type { Firewall } from '../firewall/firewall.js';

/**
 * Stage 0, before routing: the firewall's verdict on the client address (firewall/). Null lets the request
 * go on; otherwise the 403 to answer. Without rules this is one comparison: no clock, no parsing.
 */
export function screenAddress(firewall: Firewall, req: { readonly ip: string }, path: string): PorticoError | null {
  // the address is read only when there are rules: behind a proxy, reading it parses X-Forwarded-For
  return firewall.size === 0 ? null : firewall.screen(req.ip, path);
}

/**
 * After the answer: a client error (4xx but 429) counts towards the address's automatic ban — except the
 * answers the backend gives a caller who holds a backend scope (an administrator's typos never ban them).
 */
export function noteClientError(
  firewall: Firewall,
  req: { readonly ip: string },
  status: number,
  caller: Caller | null,
  categoryId: number | null,
): void {
  // 429 is the rate limiter's answer: a refused request must cost the client nothing more (rate-limits.md)
  if (status < 400 || status >= 500 || status === 429) return;
  if (categoryId === Category.backend && caller !== null && caller.token !== null && holdsBackend(caller)) return;
  firewall.clientError(req.ip);
}

function holdsBackend(caller: Caller): boolean {
  for (const scope of caller.scopes) if (scope === 'backend' || scope.startsWith('backend.')) return true;
  return false;
}
