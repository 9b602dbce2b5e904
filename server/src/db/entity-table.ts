import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import { conflict, notFound } from '../errors.js';
import { type Collection, containsIgnoreCase, type EntityRef, type PageOrder, type Paging, pageOf } from './listing.js';
import type { Database } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: the table is chosen at run time; the surface stays typed
type AnyQuery = SelectQueryBuilder<any, any, any>;

export interface EntityTableSpec<TB extends keyof Database> {
  readonly table: TB;
  /** what the API calls one of them, in messages: `schema` → "Could not find schema" */
  readonly label: string;
  /** the column a `~name` reference and the uniqueness check use */
  readonly nameColumn?: string;
  /** the rows the API knows (e.g. active ones of the user's category); all rows when absent */
  readonly visible?: (query: AnyQuery) => AnyQuery;
  /** columns `search` looks in (case-insensitive contains); the name column when absent */
  readonly searchColumns?: readonly string[];
  /** how a page is sorted (the rate that wins first, the cheapest plan first); by id when absent */
  readonly order?: PageOrder;
}

/**
 * The table side every configuration entity shares: find by id or `~name` (404 when absent), page
 * with search, a 409 for a name in use, delete. A repository holds one and adds its own rules.
 */
export class EntityTable<TB extends keyof Database> {
  private readonly nameColumn: string;
  private readonly notFoundMessage: string;

  constructor(readonly spec: EntityTableSpec<TB>) {
    this.nameColumn = spec.nameColumn ?? 'name';
    this.notFoundMessage = `Could not find ${spec.label}`;
  }

  /** Every visible row, as a query to narrow further. */
  select(db: Kysely<Database>): SelectQueryBuilder<Database, TB, object> {
    const base = db.selectFrom(this.spec.table as never) as unknown as AnyQuery;
    return (this.spec.visible ? this.spec.visible(base) : base) as SelectQueryBuilder<Database, TB, object>;
  }

  async get(db: Kysely<Database>, ref: EntityRef): Promise<Selectable<Database[TB]> | undefined> {
    const query = this.select(db).selectAll() as unknown as AnyQuery;
    const row = await ('id' in ref
      ? query.where('id', '=', ref.id)
      : query.where(this.nameColumn, '=', ref.name)
    ).executeTakeFirst();
    return row as Selectable<Database[TB]> | undefined;
  }

  /** The row a reference names, or a 404. */
  async find(db: Kysely<Database>, ref: EntityRef): Promise<Selectable<Database[TB]>> {
    const row = await this.get(db, ref);
    if (!row) throw notFound(this.notFoundMessage);
    return row;
  }

  /** A 409 when another row (of any status: names stay unique in the table) has this name. */
  async assertNameFree(db: Kysely<Database>, name: string, exceptId?: number): Promise<void> {
    let query = (db.selectFrom(this.spec.table as never) as unknown as AnyQuery)
      .select('id')
      .where(this.nameColumn, '=', name);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    if (await query.executeTakeFirst()) {
      throw conflict(`${this.spec.label[0]?.toUpperCase()}${this.spec.label.slice(1)} already exists`);
    }
  }

  /** One page, searched, newest first by default. */
  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: Selectable<Database[TB]>) => T,
    narrow?: (query: AnyQuery) => AnyQuery,
  ): Promise<Collection<T>> {
    let query = this.select(db) as unknown as AnyQuery;
    if (narrow) query = narrow(query);
    const search = paging.search;
    if (search) {
      const columns = this.spec.searchColumns ?? [this.nameColumn];
      query = query.where((eb) => eb.or(columns.map((c) => containsIgnoreCase(c, search))));
    }
    return pageOf(query as SelectQueryBuilder<Database, TB, object>, paging, map, this.orderOf(paging));
  }

  /**
   * Fusio's `sortBy`/`sortOrder`: `sortBy=name` (A–Z unless `sortOrder=desc`) or `sortBy=id`; any other
   * column, or none, keeps the entity's own order (newest first by default), so a list never sorts by a
   * column that has no index or that the caller should not probe.
   */
  private orderOf(paging: Paging): PageOrder | undefined {
    const by = paging.sortBy;
    if (by === 'name') {
      const direction = paging.sortOrder === 'desc' ? 'desc' : 'asc';
      return (query) => query.orderBy(this.nameColumn, direction).orderBy('id', direction);
    }
    if (by === 'id') return (query) => query.orderBy('id', paging.sortOrder === 'asc' ? 'asc' : 'desc');
    return this.spec.order;
  }

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await (db.deleteFrom(this.spec.table as never) as unknown as AnyQuery).where('id', '=', id).execute();
  }
}
