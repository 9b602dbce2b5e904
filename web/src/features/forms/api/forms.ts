import type { ConsumerForm, ConsumerFormCollection } from 'fusio-sdk';
import { publicClient } from '../../../lib/api-client';

/** The active forms (public in the consumer API, as in Fusio). */
export function listForms(): Promise<ConsumerFormCollection> {
  return publicClient().consumer().form().getAll(0, 256);
}

/** A form by id, with its operation's URL and method, the JSON Schema and the UI schema. */
export function getForm(id: string): Promise<ConsumerForm> {
  return publicClient().consumer().form().get(id);
}

export interface Submission {
  status: number;
  /** the answer, pretty-printed when it is JSON */
  text: string;
}

/** Sends the form's body to its operation, with the developer's token when there is one. */
export async function submitForm(form: ConsumerForm, body: unknown, token: string | null): Promise<Submission> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const method = (form.method ?? 'POST').toUpperCase();
  const response = await fetch(form.action ?? '', {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify(body) }),
  });
  const raw = await response.text();
  let text = raw;
  try {
    text = JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  return { status: response.status, text };
}
