import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { type Database, platformCategoryIds } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { type OrganisedKey, organisedTables, type TaxonomyRow } from './tables.js';

/** fusio-sdk's BackendTaxonomyCreate / Update. */
export interface TaxonomyInput {
  name?: string | undefined;
  parentId?: number | null | undefined;
}

/** fusio-sdk's BackendTaxonomyMove: ids of each kind of entity to put into the taxonomy. */
export type TaxonomyMove = Partial<Record<OrganisedKey, number[]>>;

const namePattern = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (!namePattern.test(trimmed)) {
    throw badRequest(
      'Taxonomy name must be 1 to 64 letters, digits, spaces, dots, hyphens or underscores, starting with a letter or digit',
    );
  }
  return trimmed;
}

/**
 * Taxonomies: folders of the admin app that organise operations, actions, schemas, events, cronjobs and
 * triggers. They change nothing a request sees, so no subsystem rebuilds for them. Deleting one moves its
 * entities and child taxonomies to the top.
 */
export class TaxonomyRepository {
  readonly table = new EntityTable({ table: 'taxonomies', label: 'taxonomy' });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<TaxonomyRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: TaxonomyRow) => T) {
    return this.table.page(db, paging, map);
  }

  async create(unit: Unit, input: TaxonomyInput & { name: string }): Promise<number> {
    const name = checkedName(input.name);
    await this.table.assertNameFree(unit.db, name);
    const parentId = await this.checkedParent(unit.db, input.parentId ?? null, null);
    const id = await insertWithId(
      unit.db.insertInto('taxonomies').values({ name, parent_id: parentId, created_at: Date.now() }),
      this.dialect,
    );
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: TaxonomyInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name === undefined ? existing.name : checkedName(input.name);
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const parentId =
      input.parentId === undefined
        ? existing.parent_id
        : await this.checkedParent(unit.db, input.parentId, existing.id);
    await unit.db.updateTable('taxonomies').set({ name, parent_id: parentId }).where('id', '=', existing.id).execute();
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    for (const table of Object.values(organisedTables)) {
      await unit.db.updateTable(table).set({ taxonomy_id: null }).where('taxonomy_id', '=', existing.id).execute();
    }
    await unit.db.updateTable('taxonomies').set({ parent_id: null }).where('parent_id', '=', existing.id).execute();
    await this.table.delete(unit.db, existing.id);
    unit.target(existing.id);
    return existing.id;
  }

  /** Puts the given entities into the taxonomy; every id must exist (400 naming the first that does not). */
  async move(unit: Unit, ref: EntityRef, move: TaxonomyMove): Promise<number> {
    const taxonomy = await this.find(unit.db, ref);
    for (const [key, table] of Object.entries(organisedTables) as [OrganisedKey, string][]) {
      const ids = [...new Set(move[key] ?? [])];
      if (ids.length === 0) continue;
      const found = await unit.db
        .selectFrom(table as 'operations')
        .select('id')
        .where('id', 'in', ids)
        .execute();
      const known = new Set(found.map((r) => r.id));
      const missing = ids.find((id) => !known.has(id));
      if (missing !== undefined) throw badRequest(`Taxonomy move: ${key} ${missing} does not exist`);
      await unit.db
        .updateTable(table as 'operations')
        .set({ taxonomy_id: taxonomy.id })
        .where('id', 'in', ids)
        .execute();
    }
    unit.target(taxonomy.id);
    return taxonomy.id;
  }

  /**
   * Moves to the top what the taxonomy holds but `keep` does not list, for the kinds `keep` names (a
   * configuration file's list is the taxonomy's whole content of that kind).
   */
  async release(unit: Unit, ref: EntityRef, keep: TaxonomyMove): Promise<void> {
    const taxonomy = await this.find(unit.db, ref);
    for (const [key, table] of Object.entries(organisedTables) as [OrganisedKey, string][]) {
      const ids = keep[key];
      if (ids === undefined) continue;
      let query = unit.db
        .updateTable(table as 'operations')
        .set({ taxonomy_id: null })
        .where('taxonomy_id', '=', taxonomy.id)
        // the platform's own entities a folder holds are not the file's to move
        .where('category_id', 'not in', [...platformCategoryIds]);
      if (ids.length > 0) query = query.where('id', 'not in', ids);
      await query.execute();
    }
    unit.target(taxonomy.id);
  }

  /** A parent must exist and must not be the taxonomy itself or one of its descendants (no cycles). */
  private async checkedParent(db: Kysely<Database>, parentId: number | null, selfId: number | null) {
    if (parentId === null || parentId === 0) return null;
    let current: number | null = parentId;
    for (let depth = 0; current !== null; depth++) {
      if (current === selfId) throw badRequest('A taxonomy cannot be nested inside itself');
      if (depth > 64) throw badRequest('Taxonomies are nested too deeply');
      const row: { parent_id: number | null } | undefined = await db
        .selectFrom('taxonomies')
        .select('parent_id')
        .where('id', '=', current)
        .executeTakeFirst();
      if (!row) throw badRequest(`Parent taxonomy ${parentId} does not exist`);
      current = row.parent_id;
    }
    return parentId;
  }
}
