import type { SelectQueryBuilder } from 'kysely';
import { containsIgnoreCase, type EntityRef, type Paging } from '../db/listing.js';
import { badRequest } from '../errors.js';

/** A query string as Node parses it. */
export type Query = Readonly<Record<string, string | string[] | undefined>>;

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

/** A `$id` path segment: a number, or `~name`. */
export function entityRef(raw: string | undefined): EntityRef {
  if (raw === undefined || raw === '') throw badRequest('Missing id');
  if (raw.startsWith('~')) return { name: decodeURIComponent(raw.slice(1)) };
  if (/^\d+$/.test(raw)) return { id: Number(raw) };
  throw badRequest(`"${raw}" is neither an id nor a ~name`);
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

/**
 * How a query parameter narrows a listing: `['equals', column]` an integer column, `['is', column]` a text
 * column (optionally normalised), `['contains', column]` a case-insensitive search, `['since' | 'until',
 * column]` a time column from `from`/`to` dates.
 */
export type QueryFilter =
  | readonly ['equals', string]
  | readonly ['is', string, ((value: string) => string)?]
  | readonly ['contains', string]
  | readonly ['since' | 'until', string];

// biome-ignore lint/suspicious/noExplicitAny: filters apply to the listing of any table
type AnySelect = SelectQueryBuilder<any, any, any>;

/** Narrows `query` by each filter whose parameter the caller gave; a malformed value is a 400. */
export function filterByQuery<QB extends AnySelect>(query: QB, q: Query, filters: Record<string, QueryFilter>): QB {
  let narrowed: AnySelect = query;
  for (const [param, [kind, column, normalise]] of Object.entries(filters) as [
    string,
    [QueryFilter[0], string, ((value: string) => string)?],
  ][]) {
    if (kind === 'equals') {
      const value = queryInt(q, param);
      if (value !== undefined) narrowed = narrowed.where(column, '=', value);
    } else if (kind === 'since' || kind === 'until') {
      const value = queryDate(q, param);
      if (value !== undefined) narrowed = narrowed.where(column, kind === 'since' ? '>=' : '<=', value);
    } else {
      const value = queryString(q, param);
      if (value === undefined) continue;
      narrowed =
        kind === 'contains'
          ? narrowed.where(containsIgnoreCase(column, value))
          : narrowed.where(column, '=', normalise ? normalise(value) : value);
    }
  }
  return narrowed as QB;
}
