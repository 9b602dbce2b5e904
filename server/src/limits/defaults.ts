import type { Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';
import type { RateAllocationTable } from './tables.js';

type Criteria = Omit<RateAllocationTable, 'id' | 'rate_id'>;

const anything: Criteria = { operation_id: null, user_id: null, plan_id: null, app_id: null, authenticated: null };

/** Fusio's rates on a fresh install: 3600 requests an hour for everybody, 900 for anonymous callers. */
export const defaultRates: readonly {
  name: string;
  priority: number;
  limit: number;
  timespan: string;
  allocation: Criteria;
}[] = [
  { name: 'Default', priority: 0, limit: 3600, timespan: 'PT1H', allocation: anything },
  {
    name: 'Default-Anonymous',
    priority: 4,
    limit: 900,
    timespan: 'PT1H',
    allocation: { ...anything, authenticated: 0 },
  },
];

/** Inserts the default rates when there are no rates at all (a fresh install). */
export async function installDefaultRates(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const hasRates = async () => (await db.selectFrom('rates').select('id').limit(1).executeTakeFirst()) !== undefined;
  if (await hasRates()) return;
  const now = Date.now();
  try {
    await insertDefaults(db, dialect, now);
  } catch (error) {
    // another node starting at the same moment inserted them first (unique names)
    if (await hasRates()) return;
    throw error;
  }
}

async function insertDefaults(db: Kysely<Database>, dialect: DialectName, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const rate of defaultRates) {
      const id = await insertWithId(
        trx.insertInto('rates').values({
          name: rate.name,
          priority: rate.priority,
          rate_limit: rate.limit,
          timespan: rate.timespan,
          metadata: null,
          updated_at: now,
        }),
        dialect,
      );
      await trx
        .insertInto('rate_allocations')
        .values({ rate_id: id, ...rate.allocation })
        .execute();
    }
  });
}
