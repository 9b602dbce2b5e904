import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type Database } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';

export type CategoryRow = { id: number; status: number; name: string };

/** fusio-sdk's BackendCategoryCreate / Update. */
export interface CategoryInput {
  name?: string;
}

/** What a category can hold, by table, with the word for it in a refusal. */
const holders = [
  ['operations', 'operation'],
  ['scopes', 'scope'],
  ['actions', 'action'],
  ['schemas', 'schema'],
  ['connections', 'connection'],
  ['events', 'event'],
  ['triggers', 'trigger'],
  ['cronjobs', 'cronjob'],
  ['roles', 'role'],
] as const;

/**
 * Categories (Fusio's `fusio_category`): groups of operations, scopes and the other configuration, by
 * which logs and statistics can be narrowed. The five built in are fixed; `default` holds everything an
 * administrator makes unless they choose another. A category that still holds something is not deleted.
 */
export class CategoryRepository {
  readonly table = new EntityTable({ table: 'categories', label: 'category' });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<CategoryRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: CategoryRow) => T) {
    return this.table.page(db, paging, map);
  }

  async create(unit: Unit, input: CategoryInput & { name: string }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    const id = await insertWithId(
      unit.db.insertInto('categories').values({ name: input.name, status: 1 }),
      this.dialect,
    );
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: CategoryInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) {
      this.assertOwn(existing, 'renamed');
      await this.table.assertNameFree(unit.db, name, existing.id);
      await unit.db.updateTable('categories').set({ name }).where('id', '=', existing.id).execute();
    }
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    this.assertOwn(existing, 'deleted');
    const held: string[] = [];
    for (const [table, word] of holders) {
      const row = await unit.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('category_id', '=', existing.id)
        .executeTakeFirst();
      const count = Number(row?.count ?? 0);
      if (count > 0) held.push(`${count} ${word}${count === 1 ? '' : 's'}`);
    }
    if (held.length > 0) {
      throw conflict(
        `Category ${existing.name} still holds ${held.join(', ')}: move or delete them before deleting the category`,
      );
    }
    await unit.db.deleteFrom('tests').where('category_id', '=', existing.id).execute();
    await this.table.delete(unit.db, existing.id);
    unit.target(existing.id);
    return existing.id;
  }

  private assertOwn(row: CategoryRow, verb: string): void {
    if (row.id <= Category.authorization) {
      throw badRequest(`Category ${row.name} is built in and cannot be ${verb}`);
    }
  }
}
