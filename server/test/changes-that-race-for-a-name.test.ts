import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PorticoError } from '../src/errors.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

/**
 * Two backend writes may both check a name is free and both write it; the database's unique key lets one
 * through. The other must hear a conflict (409), as it would have a moment later, not a server error, and
 * nothing of it may stay.
 */
const databases = await systemDatabases();

describe.each(databases)('a change that loses a race for a name ($kind)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(database);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is a 409 and leaves nothing behind', async () => {
    const { changes, db } = h.portico.platform;
    const before = await db.selectFrom('scopes').select('id').execute();
    // what the losing request does: its own check found the name free, so it writes without looking
    const write = changes.write(undefined, async (unit) => {
      await unit.db
        .insertInto('scopes')
        .values({ name: 'race-winner', description: 'first', metadata: null })
        .execute();
      await unit.db
        .insertInto('scopes')
        .values({ name: 'race-winner', description: 'second', metadata: null })
        .execute();
    });
    const error = await write.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).status).toBe(409);
    expect((error as PorticoError).message).toContain('same name');
    // the unit rolled back whole: the first insert is gone too
    expect(await db.selectFrom('scopes').select('id').execute()).toHaveLength(before.length);
  });
});
