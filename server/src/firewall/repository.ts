import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import type { EntityRef, Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { type Network, parseNetwork } from './address.js';
import { type CompiledRule, RuleType } from './rule-set.js';
import type { FirewallRow } from './tables.js';
import './tables.js';

export interface FirewallInput {
  name?: string;
  type?: number;
  ip?: string;
  /** ISO 8601 date and time; null or "" for never */
  expire?: string | null;
  metadata?: Record<string, string>;
}

/** Rules the automatic ban writes are named so; an administrator's rule may not take the prefix. */
export const banPrefix = 'Ban-';
/** Expired automatic bans are deleted this long after they lapsed (they stay visible a while for the admin). */
const keepLapsedBansMs = 24 * 60 * 60 * 1000;

/** A rule's `ip`, checked: 400 naming the field when it is not an address or range. */
export function networkOf(ip: unknown): Network {
  if (typeof ip !== 'string') throw badRequest('Firewall ip must be an IPv4 or IPv6 address or CIDR range');
  const parsed = parseNetwork(ip);
  if (typeof parsed === 'string') throw badRequest(`Firewall ip ${parsed}`);
  return parsed;
}

/** A rule's `expire`: epoch ms, or null for never; 400 naming the field when it is not a date. */
export function expiryOf(expire: string | null | undefined): number | null {
  if (expire === null || expire === undefined || expire === '') return null;
  // Fusio's forms send "2025-01-31 12:00:00"; without a zone the time is UTC
  const text = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(expire)
    ? `${expire.replace(' ', 'T')}Z`
    : expire;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw badRequest('Firewall expire must be a date and time in ISO 8601 (e.g. 2030-01-31T12:00:00Z), or null');
  }
  return ms;
}

function typeOf(type: unknown): number {
  if (type !== RuleType.deny && type !== RuleType.allow)
    throw badRequest('Firewall type must be 0 (deny) or 1 (allow)');
  return type;
}

/**
 * Firewall rules: unique names, an address or CIDR range each, deny or allow, an optional expiry. A change
 * announces 'firewall', so every node's firewall swaps in a new rule set at once.
 */
export class FirewallRepository {
  readonly table = new EntityTable({ table: 'firewall', label: 'firewall', searchColumns: ['name', 'ip'] });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<FirewallRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: FirewallRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** Every rule that has not expired (but the one `exceptId` names), for a rule set. */
  async active(db: Kysely<Database>, now = Date.now(), exceptId?: number): Promise<CompiledRule[]> {
    let query = db
      .selectFrom('firewall')
      .select(['name', 'type', 'ip', 'expire'])
      .where((eb) => eb.or([eb('expire', 'is', null), eb('expire', '>', now)]));
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    const rows = await query.execute();
    const rules: CompiledRule[] = [];
    for (const row of rows) {
      const network = parseNetwork(row.ip);
      // rows are checked when written; one that is not a network (edited by hand) is left out
      if (typeof network === 'string') continue;
      rules.push({
        network,
        type: row.type,
        expires: row.expire === null ? null : Number(row.expire),
        ban: row.name.startsWith(banPrefix),
      });
    }
    return rules;
  }

  async create(unit: Unit, input: FirewallInput & { name: string; type: number; ip: string }): Promise<number> {
    const network = networkOf(input.ip);
    const type = typeOf(input.type);
    const expire = expiryOf(input.expire);
    await this.table.assertNameFree(unit.db, input.name);
    const id = await insertWithId(
      unit.db.insertInto('firewall').values({
        name: input.name,
        type,
        ip: network.text,
        expire,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        updated_at: Date.now(),
      }),
      this.dialect,
    );
    unit.touched('firewall');
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: FirewallInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const name = input.name ?? existing.name;
    if (name !== existing.name) await this.table.assertNameFree(unit.db, name, existing.id);
    await unit.db
      .updateTable('firewall')
      .set({
        name,
        type: input.type === undefined ? existing.type : typeOf(input.type),
        ip: input.ip === undefined ? existing.ip : networkOf(input.ip).text,
        // an update without `expire` keeps it; null or "" removes it
        expire: input.expire === undefined ? existing.expire : expiryOf(input.expire),
        metadata: input.metadata ? JSON.stringify(input.metadata) : existing.metadata,
        updated_at: Math.max(Date.now(), Number(existing.updated_at) + 1),
      })
      .where('id', '=', existing.id)
      .execute();
    unit.touched('firewall');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.touched('firewall');
    unit.target(existing.id);
    return existing.id;
  }

  /**
   * The automatic ban: a deny rule for `address` (one address, or an IPv6 /64) until `until`, named
   * `Ban-<address>-<time>`. Bans that lapsed more than a day ago are deleted in the same change.
   */
  async ban(unit: Unit, address: string, until: number, now = Date.now()): Promise<number> {
    const network = networkOf(address);
    const stamp = new Date(now).toISOString().replace(/[-:TZ.]/g, '');
    const name = `${banPrefix}${network.text.replace(/[.:/]/g, '-')}-${stamp}`.slice(0, 64);
    await unit.db
      .deleteFrom('firewall')
      .where('name', 'like', `${banPrefix}%`)
      .where('expire', '<', now - keepLapsedBansMs)
      .execute();
    const id = await insertWithId(
      unit.db.insertInto('firewall').values({
        name,
        type: RuleType.deny,
        ip: network.text,
        expire: until,
        metadata: null,
        updated_at: now,
      }),
      this.dialect,
    );
    unit.touched('firewall');
    unit.target(id);
    return id;
  }
}
