import type { Kysely } from 'kysely';
import type { RightsChange } from '../auth/rights.js';
import type { Unit } from '../changes/unit.js';
import { assignableCategory } from '../db/categories.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type Database, isUserCategory, platformCategoryIds, type ScopeRow, Status } from '../db/schema.js';
import { badRequest } from '../errors.js';

/** Which operations a scope opens (`allow`) or closes. */
export interface ScopeOperationLink {
  operationId?: number;
  allow?: boolean;
}

export interface ScopeInput {
  name?: string;
  /** the category the scope belongs to (Portico's addition; `default`, 1, when absent) */
  categoryId?: number;
  description?: string;
  operations?: readonly ScopeOperationLink[];
  metadata?: Record<string, string>;
}

export interface ScopeRepositoryDeps {
  dialect: DialectName;
  /** after the commit: revokes the tokens that carry more than their holders may have now */
  revokeBeyondRights: (change: RightsChange) => Promise<unknown>;
}

/** The platform's own scopes and the parents every token names: never changed through the API. */
const reserved = new Set(['backend', 'consumer', 'authorization', 'openid', 'default']);

/**
 * Scopes: their names (unique among all, the platform's included), the operations each opens, and that
 * the platform's own scopes stay as they are. A deleted scope takes its tokens along, on every node.
 */
export class ScopeRepository {
  readonly table = new EntityTable({
    table: 'scopes',
    label: 'scope',
    visible: (q) => q.where('status', '=', Status.active),
  });

  constructor(private readonly deps: ScopeRepositoryDeps) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<ScopeRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: ScopeRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** The operations a scope names, by id. */
  operations(db: Kysely<Database>, scopeId: number) {
    return db
      .selectFrom('scope_operations')
      .select(['operation_id', 'allow'])
      .where('scope_id', '=', scopeId)
      .orderBy('operation_id')
      .execute();
  }

  /** Every category with its active scopes, by name. */
  async byCategory(db: Kysely<Database>) {
    const [categories, scopes] = await Promise.all([
      db.selectFrom('categories').select(['id', 'name']).orderBy('id').execute(),
      db
        .selectFrom('scopes')
        .select(['id', 'name', 'description', 'category_id'])
        .where('status', '=', Status.active)
        .orderBy('name')
        .execute(),
    ]);
    return categories.map((category) => ({
      ...category,
      scopes: scopes.filter((s) => s.category_id === category.id),
    }));
  }

  async create(unit: Unit, input: ScopeInput & { name: string }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    const categoryId = await assignableCategory(unit.db, input.categoryId ?? Category.default);
    const id = await insertWithId(
      unit.db.insertInto('scopes').values({
        category_id: categoryId,
        status: Status.active,
        name: input.name,
        description: input.description ?? '',
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      }),
      this.deps.dialect,
    );
    await this.setOperations(unit.db, id, input.operations ?? []);
    unit.touched('scope');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: ScopeInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    assertEditable(existing);
    const name = input.name ?? existing.name;
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const categoryId =
      input.categoryId === undefined ? existing.category_id : await assignableCategory(unit.db, input.categoryId);
    await unit.db
      .updateTable('scopes')
      .set({
        name,
        category_id: categoryId,
        description: input.description ?? existing.description,
        metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
      })
      .where('id', '=', existing.id)
      .execute();
    if (input.operations !== undefined) await this.setOperations(unit.db, existing.id, input.operations);
    unit.touched('scope');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    assertEditable(existing);
    await this.table.delete(unit.db, existing.id);
    // a scope created again under the same name later must not revive the old tokens
    unit.afterCommit(async () => {
      await this.deps.revokeBeyondRights({ scope: existing.name });
    });
    unit.touched('scope');
    unit.target(existing.id);
    return existing.id;
  }

  /** Replaces the operations a scope names; they must be operations of the installation's API. */
  private async setOperations(db: Kysely<Database>, scopeId: number, links: readonly ScopeOperationLink[]) {
    await db.deleteFrom('scope_operations').where('scope_id', '=', scopeId).execute();
    const ids = [...new Set(links.map((o) => o.operationId).filter((id): id is number => typeof id === 'number'))];
    if (ids.length === 0) return;
    const known = await db
      .selectFrom('operations')
      .select('id')
      .where('id', 'in', ids)
      .where('category_id', 'not in', [...platformCategoryIds])
      .execute();
    const knownIds = new Set(known.map((k) => k.id));
    const missing = ids.filter((id) => !knownIds.has(id));
    if (missing.length > 0) throw badRequest(`Operation ${missing.join(', ')} does not exist`);
    await db
      .insertInto('scope_operations')
      .values(
        ids.map((id) => ({
          scope_id: scopeId,
          operation_id: id,
          allow: links.find((o) => o.operationId === id)?.allow === false ? 0 : 1,
        })),
      )
      .execute();
  }
}

function assertEditable(row: ScopeRow): void {
  if (reserved.has(row.name) || !isUserCategory(row.category_id)) {
    throw badRequest('This scope belongs to the system and cannot be changed');
  }
}
