import { apiBaseUrl } from '../../../lib/runtime';

/** `GET /consumer/usage` (docs/developer-portal.md): a Portico extension, not in fusio-sdk. */
export interface Usage {
  from: string;
  to: string;
  days: string[];
  byStatus: { name: string; counts: number[] }[];
  byOperation: { operationId?: number; name: string; counts: number[]; total: number }[];
  total: number;
}

export async function fetchUsage(token: string, range: { from: string; to: string; appId?: string }): Promise<Usage> {
  const query = new URLSearchParams({ from: range.from, to: range.to });
  if (range.appId) query.set('appId', range.appId);
  const res = await fetch(`${apiBaseUrl()}/consumer/usage?${query}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = (await res.json().catch(() => ({}))) as Usage & { message?: string };
  if (!res.ok) throw Object.assign(new Error(body.message ?? `Usage answered ${res.status}`), { payload: body });
  return body;
}
