import type { Kysely, Selectable } from 'kysely';
import type { Unit } from '../changes/unit.js';
import { secretMask } from '../connections/secrets.js';
import { EntityTable } from '../db/entity-table.js';
import type { EntityRef, Paging } from '../db/listing.js';
import type { ConfigTable, Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { settingProblem } from './branding.js';
import { ConfigType, typedConfigValue } from './settings.js';

export type SettingRow = Selectable<ConfigTable>;

/** A value in its text form, after checking it fits the key's type and the key's own rules. */
function storedValue(row: SettingRow, value: unknown): string {
  const stored = typedStoredValue(row, value);
  const problem = settingProblem(row.name, stored);
  if (problem) throw badRequest(`Config ${row.name} ${problem}`);
  return stored;
}

function typedStoredValue(row: SettingRow, value: unknown): string {
  switch (row.type) {
    case ConfigType.boolean:
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (value === 1 || value === 0 || value === '1' || value === '0') return String(value);
      // a form's text of a boolean, as Fusio's admin app sends it
      if (value === 'true' || value === 'false') return value === 'true' ? '1' : '0';
      throw badRequest(`Config ${row.name} must be a boolean`);
    case ConfigType.number: {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw badRequest(`Config ${row.name} must be a number`);
      return String(n);
    }
    case ConfigType.email:
      if (value !== '' && (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))) {
        throw badRequest(`Config ${row.name} must be an email address`);
      }
      return value as string;
    default:
      if (typeof value !== 'string') throw badRequest(`Config ${row.name} must be a string`);
      if (value.length > 65_000) throw badRequest(`Config ${row.name} is too long`);
      return value;
  }
}

/**
 * The installation's settings (Fusio's config): a fixed set of keys, each value checked against its key's
 * type and rules; secrets are never shown. The settings cache (settings.ts) rebuilds on the `setting` kind.
 */
export class SettingRepository {
  readonly table = new EntityTable({ table: 'config', label: 'config' });

  find(db: Kysely<Database>, ref: EntityRef): Promise<SettingRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: SettingRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** The value as the API shows it: typed, and a set secret as the mask. */
  shownValue(row: SettingRow): unknown {
    return row.type === ConfigType.secret && row.value !== '' ? secretMask : typedConfigValue(row.type, row.value);
  }

  /** A new value for a key; a secret sent back as the mask keeps the stored one. */
  async update(unit: Unit, ref: EntityRef, value: unknown): Promise<number> {
    const row = await this.find(unit.db, ref);
    unit.target(row.id);
    if (row.type === ConfigType.secret && value === secretMask) return row.id;
    await unit.db
      .updateTable('config')
      .set({ value: storedValue(row, value) })
      .where('id', '=', row.id)
      .execute();
    unit.touched('setting');
    return row.id;
  }
}
