import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import { Category, type ConnectionRow, type Database, Status } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import type { ConnectionProbe } from './manager.js';
import type { ConnectionRegistry } from './registry.js';
import { type ConfigBox, keepStoredSecrets, maskSecrets, secretFields } from './secrets.js';

export interface ConnectionInput {
  name?: string;
  class?: string;
  config?: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/**
 * A connection as it will be stored: its config validated, tested against its system and sealed. It is
 * made before the change's transaction opens, which must not wait on the network.
 */
export interface CheckedConnection {
  readonly name: string;
  readonly className: string;
  /** the sealed config */
  readonly config: string;
  readonly metadata: string | null;
  /** the row an update was checked against: the change is refused when it moved meanwhile */
  readonly basedOn: { readonly id: number; readonly updatedAt: number } | null;
}

/**
 * The configured connections: unique names, configs valid for their class that reach their system,
 * credentials sealed at rest and never shown.
 */
export class ConnectionRepository {
  readonly table = new EntityTable({
    table: 'connections',
    label: 'connection',
    visible: (q) => q.where('status', '=', Status.active),
  });

  constructor(
    private readonly dialect: DialectName,
    private readonly registry: ConnectionRegistry,
    private readonly box: ConfigBox,
    private readonly probe: ConnectionProbe,
  ) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<ConnectionRow> {
    return this.table.find(db, ref);
  }

  /** A connection wanted for one job (HTTP requests, browsing a database): a 400 when its class cannot do it. */
  async findOfClass(
    db: Kysely<Database>,
    ref: EntityRef,
    classes: readonly string[],
    refusal: string,
  ): Promise<ConnectionRow> {
    const row = await this.find(db, ref);
    if (!classes.includes(row.class)) throw badRequest(refusal);
    return row;
  }

  /** One page, of one class when `className` is given. */
  page<T>(db: Kysely<Database>, paging: Paging, map: (row: ConnectionRow) => T, className?: string) {
    return this.table.page(db, paging, map, className ? (q) => q.where('class', '=', className) : undefined);
  }

  /** The config as the API shows it: credentials masked, nothing when it cannot be decrypted. */
  shownConfig(row: ConnectionRow): Record<string, unknown> {
    return maskSecrets(this.box.tryOpen(row.config) ?? {}, this.secretsOf(row.class));
  }

  /** The config as stored, credentials included: for comparing a deployed file with it, never for showing. */
  storedConfig(row: ConnectionRow): Record<string, unknown> {
    return this.box.tryOpen(row.config) ?? {};
  }

  /** Checks a new connection (outside any unit): the name is free, the config valid and working. */
  async checkNew(
    db: Kysely<Database>,
    input: ConnectionInput & { name: string; class: string },
  ): Promise<CheckedConnection> {
    await this.table.assertNameFree(db, input.name);
    return {
      name: input.name,
      className: input.class,
      config: await this.sealed(input.class, input.config ?? {}, null),
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      basedOn: null,
    };
  }

  /** Checks a change (outside any unit); masked or missing credentials keep the stored ones. */
  async checkChange(db: Kysely<Database>, ref: EntityRef, input: ConnectionInput): Promise<CheckedConnection> {
    const existing = await this.find(db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) await this.table.assertNameFree(db, name, existing.id);
    const className = input.class ?? existing.class;
    const previous = this.box.tryOpen(existing.config);
    return {
      name,
      className,
      config: await this.sealed(className, input.config ?? previous ?? {}, previous),
      metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
      basedOn: { id: existing.id, updatedAt: Number(existing.updated_at) },
    };
  }

  async create(unit: Unit, checked: CheckedConnection): Promise<number> {
    await this.table.assertNameFree(unit.db, checked.name);
    const id = await insertWithId(
      unit.db.insertInto('connections').values({
        category_id: Category.default,
        status: Status.active,
        name: checked.name,
        class: checked.className,
        config: checked.config,
        metadata: checked.metadata,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    unit.touched('connection');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, checked: CheckedConnection): Promise<number> {
    const existing = await this.find(unit.db, ref);
    if (existing.id !== checked.basedOn?.id || Number(existing.updated_at) !== checked.basedOn.updatedAt) {
      throw conflict('Connection was changed meanwhile, send the change again');
    }
    if (checked.name !== existing.name) await this.table.assertNameFree(unit.db, checked.name, existing.id);
    await unit.db
      .updateTable('connections')
      .set({
        name: checked.name,
        class: checked.className,
        config: checked.config,
        metadata: checked.metadata,
        updated_at: Math.max(Date.now(), existing.updated_at + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('connection');
    unit.target(existing.id);
    return existing.id;
  }

  /**
   * A config sealed elsewhere (tokens an OAuth2 authorization gave), stored as it is. `rebuild`: the live
   * clients are rebuilt on every node; without it they keep serving (a renewed token the client holds
   * already; rebuilding would close it under the request that renewed it).
   */
  async storeConfig(unit: Unit, row: ConnectionRow, sealedConfig: string, rebuild: boolean): Promise<void> {
    await unit.db
      .updateTable('connections')
      .set({ config: sealedConfig, updated_at: Math.max(Date.now(), Number(row.updated_at) + 1) })
      .where('id', '=', row.id)
      .execute();
    if (rebuild) unit.touched('connection');
    unit.target(row.id);
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.touched('connection');
    unit.target(existing.id);
    return existing.id;
  }

  private secretsOf(className: string): string[] {
    const type = this.registry.get(className);
    return type ? secretFields(type.config) : [];
  }

  /** Validates a config for its class, proves it reaches its system, and seals it. */
  /**
   * Tries a config against its system and stores nothing (the admin app's "Test connection"). For a stored
   * connection (`id`) masked or missing credentials are its stored ones, as when it is saved.
   */
  async test(
    db: Kysely<Database>,
    input: { id?: number; className: string; config: Record<string, unknown> },
  ): Promise<void> {
    const previous = input.id === undefined ? null : this.box.tryOpen((await this.find(db, { id: input.id })).config);
    await this.tested(input.className, input.config, previous);
  }

  private async tested(
    className: string,
    config: Record<string, unknown>,
    previous: Record<string, unknown> | null,
  ): Promise<Record<string, unknown>> {
    const valid = this.registry.validateConfig(
      className,
      keepStoredSecrets(config, this.secretsOf(className), previous),
    );
    try {
      await this.probe.test(className, valid);
    } catch (error) {
      throw badRequest(`Connection test failed: ${(error as Error).message}`);
    }
    return valid;
  }

  private async sealed(
    className: string,
    config: Record<string, unknown>,
    previous: Record<string, unknown> | null,
  ): Promise<string> {
    return this.box.seal(await this.tested(className, config, previous));
  }
}
