import type { Kysely } from 'kysely';
import type { RightsChange } from '../auth/rights.js';
import { assertMayGrantAdministrative, roleScopes, scopeIdsByName } from '../auth/scopes.js';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type Database, type RoleRow, Status } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';

export interface RoleInput {
  name?: string;
  categoryId?: number;
  scopes?: readonly string[];
}

export interface RoleRepositoryDeps {
  dialect: DialectName;
  /** after the commit: revokes the tokens that carry more than their holders may have now */
  revokeBeyondRights: (change: RightsChange) => Promise<unknown>;
}

/** The roles every installation has; the users and the admin app rely on their names. */
const builtIn = new Set(['Administrator', 'Backend', 'Consumer']);

/**
 * Roles: the scopes each gives its users, unique names, the built-in roles kept, none deleted while
 * users have it. A token changes a role only within the administrative scopes it holds itself, and the
 * users of a role whose scopes shrank lose the tokens that carry more.
 */
export class RoleRepository {
  readonly table = new EntityTable({
    table: 'roles',
    label: 'role',
    visible: (q) => q.where('status', '=', Status.active),
  });

  constructor(private readonly deps: RoleRepositoryDeps) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<RoleRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: RoleRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** The names of the scopes a role gives, sorted. */
  scopes(db: Kysely<Database>, roleId: number): Promise<string[]> {
    return roleScopes(db, roleId);
  }

  /** `grantor`: the scopes of the token that makes the change. */
  async create(unit: Unit, input: RoleInput & { name: string }, grantor: readonly string[]): Promise<number> {
    assertMayGrantAdministrative(grantor, input.scopes ?? []);
    await this.table.assertNameFree(unit.db, input.name);
    const id = await insertWithId(
      unit.db
        .insertInto('roles')
        .values({ name: input.name, category_id: input.categoryId ?? Category.default, status: Status.active }),
      this.deps.dialect,
    );
    await setScopes(unit.db, id, input.scopes ?? []);
    unit.touched('role');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: RoleInput, grantor: readonly string[]): Promise<number> {
    const existing = await this.find(unit.db, ref);
    // neither hand out nor take away administrative rights the caller's token does not hold
    assertMayGrantAdministrative(grantor, [...(input.scopes ?? []), ...(await roleScopes(unit.db, existing.id))]);
    const name = input.name ?? existing.name;
    if (name !== existing.name) {
      if (builtIn.has(existing.name)) throw badRequest('A built-in role cannot be renamed');
      await this.table.assertNameFree(unit.db, name, existing.id);
    }
    await unit.db
      .updateTable('roles')
      .set({ name, category_id: input.categoryId ?? existing.category_id })
      .where('id', '=', existing.id)
      .execute();
    if (input.scopes !== undefined) {
      await setScopes(unit.db, existing.id, input.scopes);
      unit.afterCommit(async () => {
        await this.deps.revokeBeyondRights({ roleId: existing.id });
      });
    }
    unit.touched('role');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    if (builtIn.has(existing.name)) throw badRequest('A built-in role cannot be deleted');
    const user = await unit.db.selectFrom('users').select('id').where('role_id', '=', existing.id).executeTakeFirst();
    if (user) throw conflict('Role is assigned to users; give them another role first');
    await this.table.delete(unit.db, existing.id);
    unit.touched('role');
    unit.target(existing.id);
    return existing.id;
  }
}

/** Replaces the scopes a role gives; each must exist. */
async function setScopes(db: Kysely<Database>, roleId: number, scopes: readonly string[]): Promise<void> {
  const ids = await scopeIdsByName(db, scopes);
  const unknown = scopes.filter((s) => !ids.has(s));
  if (unknown.length > 0) throw badRequest(`Scope ${unknown.join(', ')} does not exist`);
  await db.deleteFrom('role_scopes').where('role_id', '=', roleId).execute();
  if (ids.size > 0) {
    await db
      .insertInto('role_scopes')
      .values([...ids.values()].map((scopeId) => ({ role_id: roleId, scope_id: scopeId })))
      .execute();
  }
}
