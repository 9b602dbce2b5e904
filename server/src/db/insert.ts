import type { InsertQueryBuilder, InsertResult } from 'kysely';
import type { DialectName } from './database.js';

/**
 * Runs an insert and returns the new row's id on every dialect: PostgreSQL needs RETURNING,
 * SQLite and MySQL report the id of the inserted row.
 */
export async function insertWithId<DB, TB extends keyof DB>(
  query: InsertQueryBuilder<DB, TB, InsertResult>,
  dialect: DialectName,
): Promise<number> {
  if (dialect === 'postgres') {
    // biome-ignore lint/suspicious/noExplicitAny: every table with an id has an `id` column
    const row = (await (query as any).returning('id').executeTakeFirstOrThrow()) as { id: number };
    return Number(row.id);
  }
  const result = await query.executeTakeFirstOrThrow();
  return Number(result.insertId);
}
