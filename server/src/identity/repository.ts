import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import { type ConfigBox, keepStoredSecrets, maskSecrets, secretFields } from '../connections/secrets.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { AppStatus, type Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { type IdentityProviderType, providerUrlProblem } from './provider.js';
import { normalizeProviderClass } from './registry.js';
import { type IdentityRow, IdentityStatus } from './tables.js';

export interface IdentityInput {
  appId?: number;
  roleId?: number | null;
  name?: string;
  icon?: string | null;
  class?: string;
  config?: Record<string, unknown>;
  allowCreate?: boolean;
}

/**
 * The identity providers developers log in with: unique names, a known provider class, an existing app and
 * role, a config valid for the class with https URLs, its secrets sealed at rest and never shown.
 */
export class IdentityRepository {
  readonly table = new EntityTable({
    table: 'identities',
    label: 'identity',
    visible: (q) => q.where('status', '=', IdentityStatus.active),
  });

  constructor(
    private readonly dialect: DialectName,
    private readonly providers: PluginRegistry<IdentityProviderType>,
    private readonly box: ConfigBox,
  ) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<IdentityRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: IdentityRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** What the portal offers, by name: every identity, or those of one app (by id, or by its key). */
  async offered(db: Kysely<Database>, paging: Paging, app: { appId?: number; appKey?: string }) {
    let appId = app.appId;
    if (app.appKey !== undefined) {
      const found = await db
        .selectFrom('apps')
        .select('id')
        .where('app_key', '=', app.appKey)
        .where('status', '!=', AppStatus.deleted)
        .executeTakeFirst();
      if (!found) throw badRequest('Provided app key does not exist');
      appId = found.id;
    }
    let query = this.table.select(db);
    if (appId !== undefined) query = query.where('app_id', '=', appId);
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .select(['id', 'name', 'icon'])
      .orderBy('name', paging.sortOrder === 'desc' ? 'desc' : 'asc')
      .limit(paging.count)
      .offset(paging.startIndex)
      .execute();
    return { total: Number(total.n), rows };
  }

  /** The decrypted config; throws when it was sealed with another key. */
  config(row: Pick<IdentityRow, 'config'>): Record<string, unknown> {
    return this.box.open(row.config);
  }

  /** The config as the API shows it: secrets masked, nothing when it cannot be decrypted. */
  shownConfig(row: IdentityRow): Record<string, unknown> {
    const type = this.providers.get(row.class);
    return maskSecrets(this.box.tryOpen(row.config) ?? {}, type ? secretFields(type.config) : []);
  }

  async create(unit: Unit, input: IdentityInput & { name: string; appId: number }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    const className = this.providerClass(input.class);
    await this.assertApp(unit.db, input.appId);
    await this.assertRole(unit.db, input.roleId);
    const config = this.sealed(className, input.config ?? {}, null);
    const now = Date.now();
    const id = await insertWithId(
      unit.db.insertInto('identities').values({
        status: IdentityStatus.active,
        app_id: input.appId,
        role_id: input.roleId ?? null,
        name: input.name,
        icon: input.icon ?? this.providers.get(className)?.icon ?? null,
        class: className,
        config,
        allow_create: input.allowCreate === false ? 0 : 1,
        created_at: now,
        updated_at: now,
      }),
      this.dialect,
    );
    unit.touched('identity');
    unit.target(id);
    return id;
  }

  /** Changes what is given; a masked or missing secret keeps the stored one. */
  async update(unit: Unit, ref: EntityRef, input: IdentityInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    const className = input.class !== undefined ? this.providerClass(input.class) : existing.class;
    if (input.appId !== undefined) await this.assertApp(unit.db, input.appId);
    await this.assertRole(unit.db, input.roleId);
    const previous = this.box.tryOpen(existing.config);
    const config = this.sealed(className, input.config ?? previous ?? {}, previous);
    await unit.db
      .updateTable('identities')
      .set({
        name,
        class: className,
        app_id: input.appId ?? existing.app_id,
        role_id: input.roleId !== undefined ? input.roleId : existing.role_id,
        icon: input.icon !== undefined ? input.icon : existing.icon,
        config,
        allow_create: input.allowCreate === undefined ? existing.allow_create : input.allowCreate ? 1 : 0,
        updated_at: Math.max(Date.now(), existing.updated_at + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('identity');
    unit.target(existing.id);
    return existing.id;
  }

  /** Accounts it created stay, but can no longer log in through it. */
  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.touched('identity');
    unit.target(existing.id);
    return existing.id;
  }

  /** Fusio's class names with dots or backslashes; a 400 for one Portico does not offer. */
  private providerClass(raw: string | undefined): string {
    const className = raw ? normalizeProviderClass(raw) : '';
    if (!this.providers.get(className)) throw badRequest('Provided an invalid identity class');
    return className;
  }

  private async assertApp(db: Kysely<Database>, appId: number): Promise<void> {
    const app = await db
      .selectFrom('apps')
      .select('id')
      .where('id', '=', appId)
      .where('status', '!=', AppStatus.deleted)
      .executeTakeFirst();
    if (!app) throw badRequest('Provided app does not exist');
  }

  private async assertRole(db: Kysely<Database>, roleId: number | null | undefined): Promise<void> {
    if (roleId === null || roleId === undefined) return;
    const role = await db.selectFrom('roles').select('id').where('id', '=', roleId).executeTakeFirst();
    if (!role) throw badRequest('Provided role does not exist');
  }

  /**
   * Validates a config against the class's schema (defaults applied, unknown fields dropped), checks its
   * URLs and seals it.
   */
  private sealed(className: string, config: Record<string, unknown>, previous: Record<string, unknown> | null): string {
    const type = this.providers.get(className);
    if (!type) throw badRequest('Provided an invalid identity class');
    const valid = this.providers.validateConfig(
      className,
      keepStoredSecrets(config, secretFields(type.config), previous),
    );
    const known = Object.keys((type.config.properties ?? {}) as Record<string, unknown>);
    const stored = Object.fromEntries(known.filter((k) => valid[k] !== undefined).map((k) => [k, valid[k]]));
    for (const name of type.urlFields) {
      const problem = providerUrlProblem(stored[name]);
      if (problem) throw badRequest(`Identity config ${name} ${problem}`);
    }
    return this.box.seal(stored);
  }
}
