import { errorMessage } from '../../lib/api-client';

/**
 * The field an API error message is about ("No email was provided" → email), so the message can stand
 * next to that field; null when it names none of them.
 */
export function fieldOfMessage<F extends string>(message: string, fields: Record<F, RegExp>): F | null {
  for (const [field, pattern] of Object.entries(fields) as [F, RegExp][]) {
    if (pattern.test(message)) return field;
  }
  return null;
}

export interface FormProblem<F extends string> {
  field: F | null;
  message: string;
}

/** An API error as a message for one field, or for the whole form. */
export function problemOf<F extends string>(error: unknown, fields: Record<F, RegExp>): FormProblem<F> {
  const message = errorMessage(error);
  return { field: fieldOfMessage(message, fields), message };
}

/** A return path inside this app only (never another site: no open redirect). */
export function safeReturnPath(value: string | null | undefined, fallback = '/'): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  return value;
}
