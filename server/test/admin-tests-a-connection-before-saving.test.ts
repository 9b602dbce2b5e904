import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { freePort, type Harness, startHarness } from './support/harness.js';
import { createLegacyDatabase, type LegacyDatabase } from './support/sql-legacy.js';

const sqlClass = 'Fusio.Adapter.Sql.Connection.Sql';

describe.each(await systemDatabases())(
  'an administrator tests a connection before saving it ($kind system database)',
  (database) => {
    let h: Harness;
    let legacy: LegacyDatabase;
    let token: string;

    async function test(body: unknown) {
      const res = await h.fetch('/backend/connection/test', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { success?: boolean; message?: string } };
    }

    async function count() {
      return (await h.admin.backend().connection().getAll(0, 100)).totalResults;
    }

    beforeAll(async () => {
      legacy = await createLegacyDatabase('sqlite');
      h = await startHarness(database);
      token = await h.adminToken();
    });
    afterAll(async () => {
      await h?.close();
      await legacy?.close();
    });

    it('says a working config works and stores nothing', async () => {
      const before = await count();
      expect(await test({ class: sqlClass, config: legacy.sqlConfig })).toEqual({
        status: 200,
        body: { success: true, message: 'Connection works' },
      });
      expect(await count()).toBe(before);
    });

    it('says why a config does not work: unreachable, invalid, unknown class, unknown connection', async () => {
      const port = await freePort();
      const unreachable = await test({
        class: sqlClass,
        config: { type: 'pdo_pgsql', host: '127.0.0.1', port, username: 'x', database: 'x' },
      });
      expect(unreachable.status).toBe(400);
      expect(unreachable.body.message).toMatch(/^Connection test failed: /);

      const invalid = await test({ class: sqlClass, config: { type: 'pdo_pgsql', database: 'x' } });
      expect(invalid).toMatchObject({
        status: 400,
        body: { message: 'Connection config: property /host is required' },
      });

      const unknown = await test({ class: 'Acme.Nothing', config: {} });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(/Acme\.Nothing/);

      const missing = await test({ id: 987654, class: sqlClass, config: legacy.sqlConfig });
      expect(missing.status).toBe(404);
    });

    it('tests a stored connection with its stored credentials when the form sends the mask', async () => {
      const created = await h.admin
        .backend()
        .connection()
        .create({ name: 'legacy', class: sqlClass, config: legacy.sqlConfig });
      const id = Number(created.id);
      const shown = await h.admin.backend().connection().get(String(id));
      expect(await test({ id, class: sqlClass, config: shown.config })).toMatchObject({ status: 200 });
    });
  },
);
