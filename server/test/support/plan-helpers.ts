import { CommonMessageException } from 'fusio-sdk';
import type { Harness } from './harness.js';

let counter = 0;

/** A name no other test of this process uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface Developer {
  id: number;
  name: string;
  password: string;
  /** a consumer login token */
  token: string;
}

/** The status and body of a failed SDK call (a failure of the test if the call succeeded). */
export async function sdkFailure(promise: Promise<unknown>): Promise<{ message?: string; success?: boolean }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

export async function roleId(h: Harness, name: string): Promise<number> {
  const row = await h.portico.platform.db
    .selectFrom('roles')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A developer (role Consumer) created by the admin, logged in through /consumer/login. */
export async function developer(h: Harness, options: { planId?: number; points?: number } = {}): Promise<Developer> {
  const name = unique('dev');
  const password = `pw-${name}-long-enough`;
  const created = await h.admin
    .backend()
    .user()
    .create({
      roleId: await roleId(h, 'Consumer'),
      status: 1,
      name,
      email: `${name}@example.com`,
      password,
      ...(options.planId !== undefined ? { planId: options.planId } : {}),
    });
  const id = Number(created.id);
  if (options.points !== undefined) await setPoints(h, id, options.points);
  return { id, name, password, token: await login(h, name, password) };
}

export async function login(h: Harness, username: string, password: string): Promise<string> {
  const res = await h.fetch('/consumer/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const json = (await res.json()) as { token?: string };
  if (!json.token) throw new Error(`login of ${username} failed: ${JSON.stringify(json)}`);
  return json.token;
}

export async function setPoints(h: Harness, userId: number, points: number | null): Promise<void> {
  await h.portico.platform.db.updateTable('users').set({ points }).where('id', '=', userId).execute();
}

export async function pointsOf(h: Harness, userId: number): Promise<number | null> {
  const row = await h.portico.platform.db
    .selectFrom('users')
    .select('points')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.points;
}

/** A user operation answering {"ok":true} that costs `costs` points per call; its id. */
export async function pricedOperation(
  h: Harness,
  costs: number,
  options: { public?: boolean; scopes?: string[] } = {},
): Promise<{ id: number; path: string }> {
  const name = unique('priced');
  await h.admin
    .backend()
    .action()
    .create({
      name: `${name}-action`,
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"ok":true}' },
    });
  const path = `/${name}`;
  const created = await h.admin
    .backend()
    .operation()
    .create({
      name,
      httpMethod: 'GET',
      httpPath: path,
      action: `${name}-action`,
      public: options.public ?? true,
      costs,
      ...(options.scopes ? { scopes: options.scopes } : {}),
    });
  return { id: Number(created.id), path };
}

export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** Calls a path and returns the status and the parsed JSON body. */
export async function call(
  h: Harness,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await h.fetch(path, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** The scopes claimed by a JWT (Portico tokens carry them in `scope`, comma- or space-separated). */
export function tokenScopes(token: string): string[] {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  const scope = payload.scope ?? payload.scopes;
  if (Array.isArray(scope)) return scope.map(String);
  return typeof scope === 'string' ? scope.split(/[ ,]+/).filter(Boolean) : [];
}
