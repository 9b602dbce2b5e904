import { useCallback } from 'react';
import { apiBaseUrl } from '../../lib/runtime';
import { useSession } from '../../lib/session';

/** An API answer that was not 2xx: `payload` is its `{title, message}` body (api-client's errorMessage reads it). */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly payload: { title?: string; message?: string },
  ) {
    super(payload.message ?? `HTTP ${status}`);
    this.name = 'BackendError';
  }
}

export type QueryValues = Record<string, string | number | undefined | null>;

/** A query string of the values that are set. */
export function queryString(values: QueryValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One GET of the backend API with a bearer token; a non-2xx answer throws a BackendError. */
export async function backendGet<T>(token: string, path: string, query: QueryValues = {}): Promise<T> {
  const res = await fetch(`${apiBaseUrl()}${path}${queryString(query)}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = (await res.json().catch(() => ({}))) as T & { title?: string; message?: string };
  if (!res.ok) throw new BackendError(res.status, body);
  return body;
}

/**
 * GETs with the admin's session, for the parameters fusio-sdk does not know (Portico's `status` filter,
 * its extra statistics): a 401 refreshes the session once, as `call` does.
 */
export function useBackendGet(): <T>(path: string, query?: QueryValues) => Promise<T> {
  const { callWithToken } = useSession();
  return useCallback(
    <T>(path: string, query: QueryValues = {}) => callWithToken((token) => backendGet<T>(token, path, query)),
    [callWithToken],
  );
}

/** A page of a collection, as every backend list answers. */
export interface Collection<T> {
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  entry?: T[];
}
