import { Client } from 'fusio-sdk';
import { apiBaseUrl } from './runtime';

let anonymous: Client | null = null;

/** The fusio-sdk client without credentials: public calls (about, pages, register, login). */
export function publicClient(): Client {
  anonymous ??= Client.buildAnonymous(apiBaseUrl());
  return anonymous;
}

/** The message of an API error (`{success: false, message}`), or a fallback. */
export function errorMessage(error: unknown, fallback = 'Something went wrong. Please try again.'): string {
  const payload = (error as { payload?: { message?: unknown } } | null)?.payload;
  if (payload && typeof payload.message === 'string' && payload.message !== '') return payload.message;
  if (error instanceof TypeError) return 'Portico cannot be reached. Check your connection and try again.';
  return fallback;
}
