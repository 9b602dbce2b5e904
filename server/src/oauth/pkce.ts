import { createHash } from 'node:crypto';
import { safeEqual } from '../auth/secrets.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is the base64url SHA-256 of the verifier: always 43 characters. */
const challengePattern = /^[A-Za-z0-9_-]{43}$/;

export function isValidCodeVerifier(verifier: string): boolean {
  return verifierPattern.test(verifier);
}

export function isValidS256Challenge(challenge: string): boolean {
  return challengePattern.test(challenge);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** True when the verifier hashes to the challenge (constant-time compare). */
export function verifiesChallenge(challenge: string, verifier: string): boolean {
  return isValidCodeVerifier(verifier) && safeEqual(s256(verifier), challenge);
}
