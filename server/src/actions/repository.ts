import type { Kysely } from 'kysely';
import { commitHistory, recordCommit } from '../changes/history.js';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { type ActionRow, Category, type Database, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, PorticoError } from '../errors.js';
import type { ActionEnv } from '../plugins/action.js';
import { actionNameOf, buildActionHandler } from './build.js';
import type { ActionRegistry } from './registry.js';

export interface ActionInput {
  name?: string;
  class?: string;
  async?: boolean;
  config?: unknown;
  metadata?: Record<string, string>;
}

/**
 * The user's actions: a config is stored only once a handler could be built from it, an action in use is
 * neither renamed nor deleted, and every config is kept as a version.
 */
export class ActionRepository {
  readonly table = new EntityTable({
    table: 'actions',
    label: 'action',
    visible: (q) => q.where('status', '=', Status.active),
  });

  constructor(
    private readonly dialect: DialectName,
    private readonly registry: ActionRegistry,
    /** what a handler built only to prove the config works may use */
    private readonly env: ActionEnv,
  ) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<ActionRow> {
    return this.table.find(db, ref);
  }

  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: ActionRow) => T,
    narrow?: Parameters<EntityTable<'actions'>['page']>[3],
  ) {
    return this.table.page(db, paging, map, (q) => {
      const mine = q.where('category_id', '=', Category.default);
      return narrow ? narrow(mine) : mine;
    });
  }

  async create(unit: Unit, input: ActionInput & { name: string; class: string }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    const config = await this.checkedConfig(input.class, input.config);
    const id = await insertWithId(
      unit.db.insertInto('actions').values({
        category_id: Category.default,
        status: Status.active,
        name: input.name,
        class: input.class,
        async: input.async ? 1 : 0,
        config,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    await recordCommit(unit.db, 'action', id, unit.actor?.userId ?? null, config, input.class);
    unit.touched('action');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: ActionInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) {
      await this.table.assertNameFree(unit.db, name, existing.id);
      const users = await this.usedBy(unit.db, existing.name);
      if (users.length > 0) {
        throw conflict(`Action is used by operation ${users.join(', ')}; change the operation before renaming`);
      }
    }
    const className = input.class ?? existing.class;
    const config = await this.checkedConfig(className, input.config ?? parseJsonColumn(existing.config) ?? {});
    await unit.db
      .updateTable('actions')
      .set({
        name,
        class: className,
        async: input.async === undefined ? existing.async : input.async ? 1 : 0,
        config,
        metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
        updated_at: Math.max(Date.now(), existing.updated_at + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    if (config !== existing.config || className !== existing.class) {
      await recordCommit(unit.db, 'action', existing.id, unit.actor?.userId ?? null, config, className);
    }
    unit.touched('action');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const users = await this.usedBy(unit.db, existing.name);
    if (users.length > 0) throw conflict(`Action is used by operation ${users.join(', ')}`);
    await this.table.delete(unit.db, existing.id);
    unit.touched('action');
    unit.target(existing.id);
    return existing.id;
  }

  async history(db: Kysely<Database>, ref: EntityRef, paging: Paging) {
    const action = await this.find(db, ref);
    return commitHistory(db, 'action', action.id, paging);
  }

  /** Operations whose action this is. */
  async usedBy(db: Kysely<Database>, name: string): Promise<string[]> {
    const rows = await db
      .selectFrom('operations')
      .select(['name', 'action'])
      // a stable operation pins its action to a commit: action://name@hash
      .where((eb) =>
        eb.or([eb('action', 'in', [name, `action://${name}`]), eb('action', 'like', `action://${name}@%`)]),
      )
      .execute();
    return rows.filter((r) => actionNameOf(r.action) === name).map((r) => r.name);
  }

  /**
   * Validates a class and config, proves a handler can be built from them and that what they name exists
   * (`ActionType.check`), before anything is stored.
   */
  async checkedConfig(className: string, config: unknown): Promise<string> {
    const valid = this.registry.validateConfig(className, config ?? {});
    try {
      await buildActionHandler(
        this.registry,
        { name: 'check', class: className, config: JSON.stringify(valid) },
        this.env,
      );
      // what the config names must exist (a SQL table), unless its system cannot be reached now
      await this.registry.get(className)?.check?.(valid, this.env);
    } catch (error) {
      if (error instanceof PorticoError) throw error;
      throw badRequest((error as Error).message);
    }
    return JSON.stringify(valid);
  }
}
