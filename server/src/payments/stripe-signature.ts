import { createHmac, timingSafeEqual } from 'node:crypto';

/** Stripe's default: a signature older (or newer) than five minutes is a replay. */
export const defaultToleranceSeconds = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>[,v1=…]`): some v1 must be
 * HMAC-SHA256(secret, "<t>.<payload>") for one of the secrets, and t within the tolerance of now.
 */
export function verifyStripeSignature(
  payload: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds = defaultToleranceSeconds,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'Missing Stripe-Signature header' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined) return { ok: false, reason: 'Stripe-Signature has no timestamp' };
  if (signatures.length === 0) return { ok: false, reason: 'Stripe-Signature has no v1 signature' };
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest();
    // compare against every signature so the time taken does not tell which one matched
    for (const signature of signatures) if (timingSafeEqual(expected, signature)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'No signature matches the payload' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return { ok: false, reason: 'The signature timestamp is outside the tolerance' };
  }
  return { ok: true };
}
