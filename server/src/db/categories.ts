import type { Kysely } from 'kysely';
import { badRequest } from '../errors.js';
import { type Database, isUserCategory } from './schema.js';

/** A category an operation or scope may be put in: 400 when it does not exist or holds the platform's own. */
export async function assignableCategory(db: Kysely<Database>, id: number): Promise<number> {
  const row = await db.selectFrom('categories').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw badRequest(`Category ${id} does not exist`);
  if (!isUserCategory(id)) throw badRequest(`Category ${id} holds the platform's own operations; choose another`);
  return id;
}
