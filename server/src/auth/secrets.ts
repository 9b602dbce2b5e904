import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy secrets (app secrets, refresh tokens) are stored as SHA-256 digests: with 256 bits of
 * randomness there is nothing to brute-force, so a slow hash would only slow down every token request.
 */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function matchesDigest(secret: string, storedDigest: string): boolean {
  const a = Buffer.from(digest(secret), 'hex');
  const b = Buffer.from(storedDigest, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newAppKey(): string {
  return randomUUID();
}

/** 64 hex characters, as Fusio's app secrets. */
export function newAppSecret(): string {
  return randomBytes(32).toString('hex');
}

export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Constant-time string compare. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
