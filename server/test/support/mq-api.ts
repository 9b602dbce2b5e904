import { randomBytes } from 'node:crypto';
import type { Harness } from './harness.js';

/** A name no other test file (or parallel run) uses: for queues, tubes, subjects, topics and keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** One admin token per harness: each login runs scrypt, which would dominate a fast test file. */
const adminTokens = new WeakMap<Harness, Promise<string>>();
function adminToken(h: Harness): Promise<string> {
  let token = adminTokens.get(h);
  if (!token) {
    token = h.adminToken();
    adminTokens.set(h, token);
  }
  return token;
}

/** A backend call as the administrator, answered with status and body (for refusals the SDK would throw). */
export async function backend(h: Harness, method: string, path: string, body?: unknown): Promise<Answer> {
  const token = await adminToken(h);
  const res = await h.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answer(res);
}

/** Creates a connection through the backend API (which tests it first); throws with the answer when refused. */
export async function createConnection(
  h: Harness,
  name: string,
  className: string,
  config: Record<string, unknown>,
): Promise<void> {
  const res = await backend(h, 'POST', '/backend/connection', { name, class: className, config });
  if (res.status !== 201) throw new Error(`connection ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Creates an action and a public operation that runs it, through the backend API. */
export async function createOperation(
  h: Harness,
  spec: { name: string; method?: string; path: string; actionClass: string; config: Record<string, unknown> },
): Promise<void> {
  // action names allow no dots; operation names do
  const actionName = spec.name.replace(/\./g, '-');
  const action = await backend(h, 'POST', '/backend/action', {
    name: actionName,
    class: spec.actionClass,
    config: spec.config,
  });
  if (action.status !== 201) throw new Error(`action ${spec.name}: ${action.status} ${JSON.stringify(action.body)}`);
  const operation = await backend(h, 'POST', '/backend/operation', {
    name: spec.name,
    httpMethod: spec.method ?? 'POST',
    httpPath: spec.path,
    httpCode: 200,
    action: actionName,
    public: true,
    stability: 2,
  });
  if (operation.status !== 201) {
    throw new Error(`operation ${spec.name}: ${operation.status} ${JSON.stringify(operation.body)}`);
  }
}

/** Calls a user operation, as the administrator when `asAdmin` (so the message carries a user id). */
export async function call(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
  options: { asAdmin?: boolean; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.asAdmin) headers.authorization = `Bearer ${await adminToken(h)}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  return answer(await h.fetch(path, { method, headers, ...(payload === undefined ? {} : { body: payload }) }));
}

/** Repeats `attempt` until it returns true or the time is up. */
export async function eventually(attempt: () => Promise<boolean>, timeoutMs = 5000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
