import { type Migration, type MigrationResultSet, Migrator } from 'kysely';
import type { VersionedMigration } from './columns.js';
import { columnsFor } from './columns.js';
import type { SystemDatabase } from './database.js';
import { coreMigration } from './migrations/2026-11-28a-core.js';

/**
 * Every migration, by name. Names start with their date and sort in the order they run;
 * a released migration is never edited — a change is a new migration.
 */
export const migrations: Record<string, VersionedMigration> = {
  '2026-11-28a-core': coreMigration,
};

export function createMigrator(sdb: SystemDatabase): Migrator {
  const c = columnsFor(sdb.dialect);
  const provided: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) {
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
  const result: MigrationResultSet = await createMigrator(sdb).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} failed: ${String((result.error as Error).message ?? result.error)}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
