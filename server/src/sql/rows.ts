import { badRequest } from '../errors.js';
import { queryInt, queryString } from '../http/query.js';
import { type SqlClient, type SqlRow, type SqlStatement, statement } from './client.js';
import { escapeLike, placeholder, quoteIdentifier, quoteTable, type SqlDialect } from './dialect.js';
import type { ColumnInfo } from './table.js';
import { toColumnValue } from './values.js';

/**
 * Paged listing of one table with Fusio's query parameters (startIndex, count, filterBy/filterOp/
 * filterValue, sortBy/sortOrder), shared by the SQL-Select-All action and database browsing; the
 * action also filters by `?column=value`. Column names in the request are only looked up, never
 * written into SQL; each shape of query is built once and then reused.
 */

/** Query parameters that steer the listing and so never name a column filter. */
export const listParameters = new Set([
  'startIndex',
  'count',
  'filterBy',
  'filterOp',
  'filterValue',
  'sortBy',
  'sortOrder',
  'columns',
]);

export const filterOperators = ['contains', 'equals', 'startsWith', 'present'] as const;
export type FilterOperator = (typeof filterOperators)[number];

export interface ListFilter {
  readonly column: ColumnInfo;
  readonly op: FilterOperator;
  /** the bound value (already checked against the column); absent for `present` */
  readonly value?: unknown;
}

export interface ListSort {
  readonly column: ColumnInfo;
  readonly direction: 'ASC' | 'DESC';
}

export interface ListRequest {
  /** all must hold */
  readonly filters: readonly ListFilter[];
  readonly sort: ListSort | null;
  readonly startIndex: number;
  readonly count: number;
}

type Query = Readonly<Record<string, string | string[] | undefined>>;

export interface ListOptions {
  /** the largest page */
  readonly limit: number;
  /** the page size for a missing or out-of-range count (default: the limit) */
  readonly fallbackCount?: number;
  /** a request's column name (or mapped property name) → the column, or undefined when unknown */
  readonly resolve: (name: string) => ColumnInfo | undefined;
  readonly defaultSort: ListSort | null;
  readonly dialect: SqlDialect;
  /** `?column=value` filters by equality (query parameters that name no column are left alone) */
  readonly columnFilters?: boolean;
}

/** Reads the listing parameters; an unknown column or operator is a 400. */
export function parseListRequest(query: Query, options: ListOptions): ListRequest {
  const startIndex = Math.max(queryInt(query, 'startIndex') ?? 0, 0);
  const requested = queryInt(query, 'count');
  const count =
    requested !== undefined && requested >= 1 && requested <= options.limit
      ? requested
      : (options.fallbackCount ?? options.limit);

  const filters: ListFilter[] = [];
  if (options.columnFilters) {
    for (const name of Object.keys(query)) {
      if (listParameters.has(name)) continue;
      const column = options.resolve(name);
      if (!column || column.kind === 'binary' || column.kind === 'json') continue;
      const raw = query[name];
      const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (text === undefined) continue;
      filters.push({
        column,
        op: 'equals',
        value: toColumnValue({ ...column, notNull: true }, text, options.dialect, name),
      });
    }
  }
  const filterBy = queryString(query, 'filterBy');
  if (filterBy !== undefined) {
    const column = options.resolve(filterBy);
    if (!column) throw badRequest(`Query parameter "filterBy" names an unknown column "${filterBy}"`);
    const op = (queryString(query, 'filterOp') ?? 'equals') as FilterOperator;
    if (!filterOperators.includes(op)) {
      throw badRequest(`Query parameter "filterOp" must be one of: ${filterOperators.join(', ')}`);
    }
    if (op === 'present') {
      filters.push({ column, op });
    } else {
      const raw = query.filterValue;
      const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (text === undefined) throw badRequest('Query parameter "filterValue" is required for this filterOp');
      if (column.kind === 'binary' || (column.kind === 'json' && op === 'equals')) {
        throw badRequest(`Column "${filterBy}" cannot be filtered with ${op}`);
      }
      const value =
        op === 'equals'
          ? toColumnValue({ ...column, notNull: true }, text, options.dialect, 'filterValue')
          : op === 'contains'
            ? `%${escapeLike(text)}%`
            : `${escapeLike(text)}%`;
      filters.push({ column, op, value });
    }
  }

  let sort = options.defaultSort;
  const sortBy = queryString(query, 'sortBy');
  const sortOrder = queryString(query, 'sortOrder')?.toUpperCase();
  if (sortOrder !== undefined && sortOrder !== 'ASC' && sortOrder !== 'DESC') {
    throw badRequest('Query parameter "sortOrder" must be ASC or DESC');
  }
  if (sortBy !== undefined) {
    const column = options.resolve(sortBy);
    if (!column) throw badRequest(`Query parameter "sortBy" names an unknown column "${sortBy}"`);
    sort = { column, direction: (sortOrder as 'ASC' | 'DESC' | undefined) ?? 'ASC' };
  } else if (sortOrder !== undefined && sort) {
    sort = { column: sort.column, direction: sortOrder as 'ASC' | 'DESC' };
  }
  return { filters, sort, startIndex, count };
}

export interface Page {
  readonly totalResults: number;
  readonly rows: SqlRow[];
}

interface Shape {
  readonly count: SqlStatement;
  readonly select: SqlStatement;
}

/** The listing queries of one table and column list; one prepared statement pair per request shape. */
export class RowLister {
  private readonly shapes = new Map<string, Shape>();
  private readonly table: string;

  constructor(
    private readonly client: SqlClient,
    table: string,
    private readonly selectList: string,
    /** null: unprepared statements (occasional admin queries should not pile up prepared statements) */
    private readonly salt: string | null,
  ) {
    this.table = quoteTable(client.dialect, table);
  }

  async page(request: ListRequest): Promise<Page> {
    const shape = this.shapeOf(request);
    const params: unknown[] = [];
    for (const filter of request.filters) if (filter.op !== 'present') params.push(filter.value);
    const [counted, rows] = await Promise.all([
      this.client.all(shape.count, params),
      this.client.all(shape.select, [...params, request.count, request.startIndex]),
    ]);
    return { totalResults: Number(counted[0]?.n ?? 0), rows };
  }

  private shapeOf(request: ListRequest): Shape {
    const { filters, sort } = request;
    const key = `${filters.map((f) => `${f.column.name}\u0000${f.op}`).join('\u0001')}\u0002${sort ? `${sort.column.name}\u0000${sort.direction}` : ''}`;
    const known = this.shapes.get(key);
    if (known) return known;
    const dialect = this.client.dialect;
    const conditions: string[] = [];
    let next = 1;
    for (const filter of filters) {
      const col = quoteIdentifier(dialect, filter.column.name);
      if (filter.op === 'present') {
        conditions.push(`${col} IS NOT NULL`);
      } else if (filter.op === 'equals') {
        conditions.push(`${col} = ${placeholder(dialect, next++)}`);
      } else {
        // LIKE needs text; PostgreSQL does not cast numbers, dates or JSON implicitly
        const target = dialect === 'postgres' && filter.column.kind !== 'string' ? `CAST(${col} AS TEXT)` : col;
        conditions.push(`${target} LIKE ${placeholder(dialect, next++)} ESCAPE '!'`);
      }
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const order = sort ? ` ORDER BY ${quoteIdentifier(dialect, sort.column.name)} ${sort.direction}` : '';
    const limit = ` LIMIT ${placeholder(dialect, next)} OFFSET ${placeholder(dialect, next + 1)}`;
    const count = `SELECT COUNT(*) AS n FROM ${this.table}${where}`;
    const select = `SELECT ${this.selectList} FROM ${this.table}${where}${order}${limit}`;
    const shape =
      this.salt === null
        ? { count: { text: count }, select: { text: select } }
        : { count: statement(count, this.salt), select: statement(select, this.salt) };
    // column filters can combine freely: keep the common shapes, build rare ones each time
    if (this.shapes.size < 256) this.shapes.set(key, shape);
    return shape;
  }
}
