import { Client, CommonMessageException } from 'fusio-sdk';
import { apiBaseUrl } from './runtime';

let anonymous: Client | null = null;

/** The fusio-sdk client without credentials: public calls (about, pages, register, login). */
export function publicClient(): Client {
  anonymous ??= Client.buildAnonymous(apiBaseUrl());
  return anonymous;
}

// Portico's error title is the HTTP reason phrase; the SDK keeps the body, not the status
const statusByTitle: Record<string, number> = {
  'Bad Request': 400,
  Unauthorized: 401,
  'Payment Required': 402,
  Forbidden: 403,
  'Not Found': 404,
  'Method Not Allowed': 405,
  Conflict: 409,
  Gone: 410,
  'Payload Too Large': 413,
  'Unprocessable Entity': 422,
  'Too Many Requests': 429,
  'Internal Server Error': 500,
  'Service Unavailable': 503,
};

/** The `{success: false, title, message}` body of an API error, if that is what it was. */
export function errorPayload(error: unknown): { title?: string; message?: string } | undefined {
  if (error instanceof CommonMessageException) return error.getPayload() as { title?: string; message?: string };
  const payload = (error as { payload?: unknown } | null)?.payload;
  return payload && typeof payload === 'object' ? (payload as { title?: string; message?: string }) : undefined;
}

/** The HTTP status of an API error, when the answer said it. */
export function errorStatus(error: unknown): number | undefined {
  const title = errorPayload(error)?.title;
  return title ? statusByTitle[title] : undefined;
}

/** The message of an API error, or a fallback. */
export function errorMessage(error: unknown, fallback = 'Something went wrong. Please try again.'): string {
  const message = errorPayload(error)?.message;
  if (typeof message === 'string' && message !== '') return message;
  if (error instanceof TypeError) return 'Portico cannot be reached. Check your connection and try again.';
  if (error instanceof Error && error.name === 'SessionEndedError') return error.message;
  return fallback;
}
