import { bearerClient } from './consumer-helpers.js';
import type { Harness } from './harness.js';

let sequence = 0;

/** A developer (Consumer role) made by the admin and logged in: id, name, bearer token and SDK client. */
export async function loggedInDeveloper(h: Harness, prefix = 'dev') {
  sequence += 1;
  const name = `${prefix}${process.pid}x${sequence}`;
  const password = `pw-${name}-long-enough`;
  const roles = await h.admin.backend().role().getAll(0, 16, 'Consumer');
  const roleId = roles.entry?.find((r) => r.name === 'Consumer')?.id;
  const created = await h.admin
    .backend()
    .user()
    .create({ roleId, name, email: `${name}@example.com`, password, status: 1 });
  const jwt = await h.anonymous().consumer().account().login({ username: name, password });
  if (!jwt.token) throw new Error('login returned no token');
  return { id: Number(created.id), name, password, token: jwt.token, client: bearerClient(h, jwt.token) };
}

/** Sets a config value through the backend API, as an admin does. */
export function setConfig(h: Harness, name: string, value: unknown) {
  return h.admin
    .backend()
    .config()
    .update(`~${name}`, { value } as never);
}

/** A JSON request with a bearer token (or none). */
export function jsonRequest(h: Harness, method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return h.fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}
