import type { CommonMessage } from 'fusio-sdk';
import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { ActionResponse } from '../actions/action.js';
import { response } from '../actions/action.js';
import type { Database } from '../db/schema.js';
import { badRequest } from '../errors.js';

type Query = Readonly<Record<string, string | string[] | undefined>>;

export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined || last === '' ? undefined : last;
}

export function queryInt(query: Query, name: string): number | undefined {
  const value = queryString(query, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value)) throw badRequest(`Query parameter "${name}" must be an integer`);
  return Number(value);
}

export interface Paging {
  startIndex: number;
  count: number;
  search: string | undefined;
  sortOrder: 'asc' | 'desc' | undefined;
  sortBy: string | undefined;
}

/** Fusio's collection parameters: `startIndex` ≥ 0, `count` 1..1024 (else 16), optional `search`. */
export function paging(query: Query): Paging {
  const start = queryInt(query, 'startIndex') ?? 0;
  let count = queryInt(query, 'count') ?? 16;
  if (count < 1 || count > 1024) count = 16;
  const order = queryString(query, 'sortOrder')?.toLowerCase();
  return {
    startIndex: Math.max(start, 0),
    count,
    search: queryString(query, 'search'),
    sortOrder: order === 'asc' || order === 'desc' ? order : undefined,
    sortBy: queryString(query, 'sortBy'),
  };
}

export interface Collection<T> {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  entry: T[];
}

export function collection<T>(total: number, page: Paging, entry: T[]): Collection<T> {
  return { totalResults: total, startIndex: page.startIndex, itemsPerPage: page.count, entry };
}

/** A `$id` path segment: a number, or `~name`. */
export type EntityRef = { id: number } | { name: string };

export function entityRef(raw: string | undefined): EntityRef {
  if (raw === undefined || raw === '') throw badRequest('Missing id');
  if (raw.startsWith('~')) return { name: decodeURIComponent(raw.slice(1)) };
  if (/^\d+$/.test(raw)) return { id: Number(raw) };
  throw badRequest(`"${raw}" is neither an id nor a ~name`);
}

/** Case-insensitive "contains", the same on every dialect. */
export function containsIgnoreCase(column: string, search: string) {
  // '!' as the escape character: a backslash means different things in MySQL and standard SQL strings
  const escaped = search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`);
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '!'`;
}

export function message(text: string, id?: number | string): CommonMessage {
  return id === undefined ? { success: true, message: text } : { success: true, message: text, id: String(id) };
}

export function created(text: string, id: number | string): ActionResponse {
  return response(201, message(text, id));
}

export function parseJsonColumn<T>(text: string | null | undefined): T | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export function isoDate(millis: number | null | undefined): string | undefined {
  return millis === null || millis === undefined ? undefined : new Date(millis).toISOString();
}

/** One page of a single-table listing: the total count and the rows of the page, newest first by default. */
export async function pageOf<TB extends keyof Database, T>(
  base: SelectQueryBuilder<Database, TB, object>,
  page: Paging,
  map: (row: Selectable<Database[TB]>) => T,
): Promise<Collection<T>> {
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = (await base
    .selectAll()
    .orderBy(sql.ref('id'), page.sortOrder === 'asc' ? 'asc' : 'desc')
    .limit(page.count)
    .offset(page.startIndex)
    .execute()) as unknown as Selectable<Database[TB]>[];
  return collection(Number((total as { n: number }).n), page, rows.map(map));
}

/** `from`/`to` query parameters (ISO dates or date-times) as epoch milliseconds. */
export function queryDate(query: Query, name: string): number | undefined {
  const value = queryString(query, name);
  if (value === undefined) return undefined;
  const millis = Date.parse(value);
  if (Number.isNaN(millis))
    throw badRequest(`Query parameter "${name}" must be a date, e.g. 2026-11-28 or 2026-11-28T10:00:00Z`);
  // a date without a time means the whole day: `to=2026-11-28` includes that day, as Fusio's filters do
  if (name === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return millis + 86_399_999;
  return millis;
}
