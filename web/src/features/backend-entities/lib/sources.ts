import type { Client } from 'fusio-sdk';
import { apiBaseUrl } from '../../../lib/runtime';
import { backendGet } from '../../backend-core/backend-api';
import type { LabelSource, Option, OptionSource } from '../components/entity-select';

/** How many choices a picker loads for what was typed: enough to choose, never the whole table. */
const choices = 30;

type Named = { id?: number; name?: string };

const byName =
  (list: (client: Client, search: string | undefined) => Promise<{ entry?: Named[] }>): OptionSource =>
  async (client, search) =>
    ((await list(client, search || undefined)).entry ?? [])
      .filter((row) => row.name)
      .map((row) => ({ value: row.name as string, label: row.name as string }));

const byId =
  (list: (client: Client, search: string | undefined) => Promise<{ entry?: Named[] }>): OptionSource =>
  async (client, search) =>
    ((await list(client, search || undefined)).entry ?? []).map(
      (row): Option => ({ value: String(row.id), label: row.name ?? `#${row.id}` }),
    );

const nameOf =
  (get: (client: Client, id: string) => Promise<Named>): LabelSource =>
  async (client, id) =>
    (await get(client, id)).name ?? `#${id}`;

export const taxonomyIds = byId((c, s) => c.backend().taxonomy().getAll(0, choices, s));
export const taxonomyName = nameOf((c, id) => c.backend().taxonomy().get(id));
export const scopeNames = byName((c, s) => c.backend().scope().getAll(0, choices, s));
export const actionNames = byName((c, s) => c.backend().action().getAll(0, choices, s));
export const schemaNames = byName((c, s) => c.backend().schema().getAll(0, choices, s));
export const eventNames = byName((c, s) => c.backend().event().getAll(0, choices, s));

export const eventIds = byId((c, s) => c.backend().event().getAll(0, choices, s));
export const userIds = byId((c, s) => c.backend().user().getAll(0, choices, s));
export const roleIds = byId((c, s) => c.backend().role().getAll(0, choices, s));
export const planIds = byId((c, s) => c.backend().plan().getAll(0, choices, s));
export const appIds = byId((c, s) => c.backend().app().getAll(0, choices, s));
export const operationIds: OptionSource = async (client, search) =>
  (
    (
      await client
        .backend()
        .operation()
        .getAll(0, choices, search || undefined)
    ).entry ?? []
  ).map((o) => ({
    value: String(o.id),
    label: `${o.name} (${o.httpMethod} ${o.httpPath})`,
  }));

export const eventName = nameOf((c, id) => c.backend().event().get(id));
export const userName = nameOf((c, id) => c.backend().user().get(id));
export const roleName = nameOf((c, id) => c.backend().role().get(id));
export const planName = nameOf((c, id) => c.backend().plan().get(id));
export const appName = nameOf((c, id) => c.backend().app().get(id));
export const operationName: LabelSource = async (client, id) => {
  const o = await client.backend().operation().get(id);
  return `${o.name} (${o.httpMethod} ${o.httpPath})`;
};

/** A form value as an id for the API (null when none is chosen). */
export function idValue(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

/** A form value as text, or undefined when empty (the API keeps or defaults it). */
export function textValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export const idText = (id: number | undefined | null) => (id === undefined || id === null ? null : String(id));

/**
 * How many entries a backend collection holds for a filter fusio-sdk does not pass (`/backend/user` with
 * `planId=3`, `/backend/webhook` with `eventId=2`): asked before something they depend on is deleted.
 */
export async function countWhere(token: string, collection: string, filter: string): Promise<number> {
  const res = await fetch(`${apiBaseUrl()}/backend/${collection}?${filter}&count=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json().catch(() => null)) as { totalResults?: number } | null;
  if (!res.ok) throw Object.assign(new Error('What depends on it could not be counted'), { payload: body });
  return body?.totalResults ?? 0;
}

/**
 * One page of a backend collection in an order fusio-sdk cannot ask for (its `getAll` takes no `sortBy`):
 * the same call with Fusio's `sortBy`/`sortOrder` added.
 */
export function sortedPage<T>(
  token: string,
  collection: string,
  page: { startIndex: number; count: number; search?: string; sortBy?: string; sortOrder?: string },
): Promise<{ totalResults?: number; startIndex?: number; itemsPerPage?: number; entry?: T[] }> {
  return backendGet(token, `/backend/${collection}`, page);
}

export const usersWhere = (token: string, filter: string) => countWhere(token, 'user', filter);
