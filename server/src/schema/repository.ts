import type { Kysely } from 'kysely';
import { commitHistory, recordCommit } from '../changes/history.js';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type Database, type SchemaRow, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict } from '../errors.js';
import { checkSchemaSource } from './json-schema.js';
import { isPassthrough, schemaNameOf } from './names.js';

export interface SchemaInput {
  name?: string;
  source?: unknown;
  metadata?: Record<string, string>;
}

/**
 * The user's JSON Schemas: their names, that each compiles beside the others, that none in use is
 * renamed or deleted, and every version of every source.
 */
export class SchemaRepository {
  readonly table = new EntityTable({
    table: 'schemas',
    label: 'schema',
    visible: (q) => q.where('status', '=', Status.active),
  });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<SchemaRow> {
    return this.table.find(db, ref);
  }

  /** The schemas of the installation's API (the platform's own are code). */
  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: SchemaRow) => T,
    narrow?: Parameters<EntityTable<'schemas'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, (q) => {
      const mine = q.where('category_id', '=', Category.default);
      return narrow ? narrow(mine) : mine;
    });
  }

  async create(unit: Unit, input: SchemaInput & { name: string }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    await this.assertCompiles(unit.db, input.name, input.source);
    const source = JSON.stringify(input.source);
    const id = await insertWithId(
      unit.db.insertInto('schemas').values({
        category_id: Category.default,
        status: Status.active,
        name: input.name,
        source,
        form: null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    await recordCommit(unit.db, 'schema', id, unit.actor?.userId ?? null, source);
    unit.touched('schema');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: SchemaInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) {
      await this.table.assertNameFree(unit.db, name, existing.id);
      await this.assertUnused(unit.db, existing.name);
    }
    const source = input.source ?? parseJsonColumn(existing.source);
    await this.assertCompiles(unit.db, name, source);
    const text = JSON.stringify(source);
    await unit.db
      .updateTable('schemas')
      .set({
        name,
        source: text,
        metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
        updated_at: Math.max(Date.now(), existing.updated_at + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    if (text !== existing.source) await recordCommit(unit.db, 'schema', existing.id, unit.actor?.userId ?? null, text);
    unit.touched('schema');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.assertUnused(unit.db, existing.name);
    await this.table.delete(unit.db, existing.id);
    unit.touched('schema');
    unit.target(existing.id);
    return existing.id;
  }

  async history(db: Kysely<Database>, ref: EntityRef, paging: Paging) {
    const schema = await this.find(db, ref);
    return commitHistory(db, 'schema', schema.id, paging);
  }

  /** Operations that name the schema as incoming, outgoing or thrown body. */
  async usedBy(db: Kysely<Database>, name: string): Promise<string[]> {
    const rows = await db.selectFrom('operations').select(['name', 'incoming', 'outgoing', 'throws']).execute();
    const uses = (ref: string | null | undefined) => !!ref && !isPassthrough(ref) && schemaNameOf(ref) === name;
    return rows
      .filter(
        (r) =>
          uses(r.incoming) ||
          uses(r.outgoing) ||
          Object.values(parseJsonColumn<Record<string, string>>(r.throws) ?? {}).some(uses),
      )
      .map((r) => r.name);
  }

  private async assertUnused(db: Kysely<Database>, name: string): Promise<void> {
    const users = await this.usedBy(db, name);
    if (users.length > 0) throw conflict(`Schema is used by operation ${users.join(', ')}`);
  }

  private async assertCompiles(db: Kysely<Database>, name: string, source: unknown): Promise<void> {
    const others = await db
      .selectFrom('schemas')
      .select(['name', 'source'])
      .where('status', '=', Status.active)
      .execute();
    const problem = checkSchemaSource(
      source,
      others.map((o) => ({ name: o.name, source: parseJsonColumn(o.source) })),
      name,
    );
    if (problem) throw badRequest(problem);
  }
}
