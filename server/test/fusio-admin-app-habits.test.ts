import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

/**
 * What Fusio's own admin app (apioo/fusio-apps-backend) asks for that no SDK type announces, found by
 * running it against Portico (scripts/fusio-apps/check.ts, docs/fusio-apps.md).
 */
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

describe.skipIf(!sqlite)("Fusio's admin app habits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reads the Passthru schema by name, as the form of a new operation does', async () => {
    const schema = await h.admin.backend().schema().get('~Passthru');
    expect(schema.name).toBe('Passthru');
    expect(schema.source).toMatchObject({ type: 'object' });
    // it is no row: the name stays reserved and other names still 404
    await expect(
      h.admin
        .backend()
        .schema()
        .create({ name: 'Passthru', source: { type: 'object' } } as never),
    ).rejects.toMatchObject({ payload: { success: false } });
    const res = await h.fetch('/backend/schema/~NoSuchSchema', {
      headers: { authorization: `Bearer ${await h.adminToken()}` },
    });
    expect(res.status).toBe(404);
  });
});
