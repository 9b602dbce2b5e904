import { apiBaseUrl } from '../../../lib/runtime';

export interface RegeneratedSecret {
  appKey: string;
  /** shown once: Portico keeps only its digest */
  appSecret: string;
}

/**
 * `POST /consumer/app/{id}/secret` (docs/developer-portal.md): a Portico extension, not in fusio-sdk. The
 * old secret stops working and the app's tokens are revoked.
 */
export async function regenerateSecret(token: string, appId: string): Promise<RegeneratedSecret> {
  const res = await fetch(`${apiBaseUrl()}/consumer/app/${encodeURIComponent(appId)}/secret`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = (await res.json().catch(() => ({}))) as RegeneratedSecret & { message?: string };
  if (!res.ok) throw Object.assign(new Error(body.message ?? `The API answered ${res.status}`), { payload: body });
  return body;
}
