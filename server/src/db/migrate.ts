import fs from 'node:fs';
import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { VersionedMigration } from './columns.js';
import { columnsFor } from './columns.js';
import type { SystemDatabase } from './database.js';

const folder = new URL('./migrations/', import.meta.url);

/**
 * Every migration in `migrations/`, by file name. Names start with their date and sort in the order they
 * run; each file exports `migration`. A released migration is never edited — a change is a new file.
 */
export async function loadMigrations(): Promise<Record<string, VersionedMigration>> {
  const files = fs
    .readdirSync(folder)
    .filter((f) => /^\d{4}-\d{2}-\d{2}[a-z]-[a-z0-9-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const out: Record<string, VersionedMigration> = {};
  for (const file of files) {
    const name = file.replace(/\.(ts|js)$/, '');
    const module = (await import(new URL(file, folder).href)) as { migration?: VersionedMigration };
    if (!module.migration) throw new Error(`Migration ${file} does not export "migration"`);
    out[name] = module.migration;
  }
  return out;
}

export async function createMigrator(sdb: SystemDatabase): Promise<Migrator> {
  const c = columnsFor(sdb.dialect);
  const provided: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(await loadMigrations())) {
    const down = m.down;
    provided[name] = {
      up: (db) => m.up(db, c),
      ...(down ? { down: (db) => down(db, c) } : {}),
    };
  }
  return new Migrator({
    db: sdb.db,
    provider: { getMigrations: async () => provided },
    migrationTableName: 'portico_migrations',
    migrationLockTableName: 'portico_migrations_lock',
  });
}

/** Applies every pending migration; concurrent nodes wait on the migrator's lock. */
export async function migrateToLatest(sdb: SystemDatabase): Promise<string[]> {
  const result: MigrationResultSet = await (await createMigrator(sdb)).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} failed: ${String((result.error as Error).message ?? result.error)}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
