import { type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from './schema.js';

/** An entity as a path names it: by id, or by `~name`. */
export type EntityRef = { id: number } | { name: string };

/** Fusio's collection parameters, read from a query string by `http/query.ts`. */
export interface Paging {
  startIndex: number;
  count: number;
  search: string | undefined;
  sortOrder: 'asc' | 'desc' | undefined;
  sortBy: string | undefined;
}

/** Fusio's collection answer. */
export interface Collection<T> {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  entry: T[];
}

export function collection<T>(total: number, page: Paging, entry: T[]): Collection<T> {
  return { totalResults: total, startIndex: page.startIndex, itemsPerPage: page.count, entry };
}

/** Case-insensitive "contains", the same on every dialect. */
export function containsIgnoreCase(column: string, search: string) {
  // '!' as the escape character: a backslash means different things in MySQL and standard SQL strings
  const escaped = search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`);
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '!'`;
}

// biome-ignore lint/suspicious/noExplicitAny: an order applies to a query of any table
export type PageOrder = (query: SelectQueryBuilder<any, any, any>, page: Paging) => SelectQueryBuilder<any, any, any>;

/** By id, newest first unless the page asks for `sortOrder=asc`. */
export const byId: PageOrder = (query, page) => query.orderBy(sql.ref('id'), page.sortOrder === 'asc' ? 'asc' : 'desc');

/** One page of a single-table listing: the total count and the rows of the page, newest first by default. */
export async function pageOf<TB extends keyof Database, T>(
  base: SelectQueryBuilder<Database, TB, object>,
  page: Paging,
  map: (row: Selectable<Database[TB]>) => T,
  order: PageOrder = byId,
): Promise<Collection<T>> {
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = (await order(base.selectAll(), page)
    .limit(page.count)
    .offset(page.startIndex)
    .execute()) as unknown as Selectable<Database[TB]>[];
  return collection(Number((total as { n: number }).n), page, rows.map(map));
}
