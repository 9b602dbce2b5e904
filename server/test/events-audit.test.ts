import type { BackendAudit } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const databases = await systemDatabases();
const postgresUp = databases.some((d) => d.kind === 'postgres');

type Audit = BackendAudit & { userId?: number; refId?: number };

describe.each(databases)('the audit log shows who changed what, when ($kind)', (database) => {
  let h: Harness;
  let adminId: number;
  const started = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    h = await startHarness(database);
    adminId = Number((await h.admin.backend().account().get()).id);
  });
  afterAll(async () => {
    await h?.close();
  });

  const auditsOf = async (event: string) =>
    ((await h.admin.backend().audit().getAll(0, 64, undefined, undefined, undefined, undefined, undefined, event))
      .entry ?? []) as Audit[];

  it('records a create, an update and a delete with the user, the event and the target id', async () => {
    const created = await h.admin.backend().scope().create({ name: 'audited-scope', description: 'first' });
    const id = Number(created.id);
    await h.admin.backend().scope().update(String(id), { description: 'second' });
    await h.admin.backend().scope().delete(String(id));

    const scopes = (await auditsOf('backend.scope.')).filter((a) => a.refId === id);
    expect(scopes.map((a) => a.event)).toEqual([
      'backend.scope.delete',
      'backend.scope.update',
      'backend.scope.create',
    ]);
    for (const audit of scopes) {
      expect(audit).toMatchObject({ userId: adminId, refId: id, ip: expect.any(String) });
      expect(Date.parse(audit.date ?? '')).toBeGreaterThan(Date.parse(started));
    }

    const update = await h.admin.backend().audit().get(String(scopes[1]?.id));
    expect(update).toMatchObject({
      id: scopes[1]?.id,
      event: 'backend.scope.update',
      user: { id: adminId, name: 'admin', status: 1 },
      content: { description: 'second' },
      message: expect.stringContaining('admin'),
    });
    expect((update as Audit).refId).toBe(id);
    // reads are not changes
    expect((await auditsOf('backend.scope.get')).length).toBe(0);
  });

  it('masks passwords and secrets in the recorded bodies', async () => {
    const roles = await h.admin.backend().role().getAll(0, 16, 'Consumer');
    const roleId = roles.entry?.find((r) => r.name === 'Consumer')?.id;
    const password = 'a-very-secret-password-42';
    await h.admin
      .backend()
      .user()
      .create({ roleId, name: 'audited-user', email: 'audited@example.com', password, status: 1 });
    const [audit] = await auditsOf('backend.user.create');
    const full = await h.admin.backend().audit().get(String(audit?.id));
    expect(full.content).toMatchObject({ name: 'audited-user', email: 'audited@example.com', password: '[redacted]' });
    expect(JSON.stringify(full)).not.toContain(password);

    await h.admin
      .backend()
      .config()
      .update('~recaptcha_secret', { value: 'recaptcha-secret-value' } as never);
    const [config] = await auditsOf('backend.config.update');
    const configAudit = await h.admin.backend().audit().get(String(config?.id));
    expect(JSON.stringify(configAudit)).not.toContain('recaptcha-secret-value');
  });

  it.skipIf(!postgresUp)(
    "masks a connection's credentials by the marks its type gives them, as the connection API does",
    async () => {
      // PostgreSQL here trusts local connections: any password does for the connection test
      const url = 'postgres://postgres:sql-advanced-secret@127.0.0.1:5432/test';
      await h.admin
        .backend()
        .connection()
        .create({ name: 'audited-sql', class: 'Fusio.Adapter.Sql.Connection.SqlAdvanced', config: { url } });
      const http = {
        url: 'https://api.example.com',
        authorization: 'Bearer http-connection-secret',
        headers: { 'X-Api-Key': 'header-api-key-secret' },
      };
      await h.admin
        .backend()
        .connection()
        .create({ name: 'audited-http', class: 'Fusio.Adapter.Http.Connection.Http', config: http });
      // an update without the class still masks every field any connection type marks secret
      await h.admin
        .backend()
        .connection()
        .update('~audited-http', { name: 'audited-http', config: { ...http, authorization: 'Bearer rotated-secret' } });
      const audits = await auditsOf('backend.connection.');
      expect(audits.length).toBeGreaterThanOrEqual(3);
      for (const audit of audits) {
        const text = JSON.stringify(await h.admin.backend().audit().get(String(audit.id)));
        for (const secret of [
          'sql-advanced-secret',
          'http-connection-secret',
          'header-api-key-secret',
          'rotated-secret',
        ]) {
          expect(text).not.toContain(secret);
        }
      }
      const sql = audits.find((a) => a.event === 'backend.connection.create' && a.refId !== undefined);
      const shown = await h.admin.backend().audit().get(String(sql?.id));
      expect(JSON.stringify(shown.content)).toMatch(/\*{8}|\[redacted\]/);
    },
  );

  it('filters by user, event, message, address and date, as the SDK offers', async () => {
    const audit = h.admin.backend().audit();
    const mine = await audit.getAll(0, 64, undefined, undefined, undefined, undefined, adminId);
    expect(mine.totalResults).toBeGreaterThanOrEqual(4);
    expect((mine.entry as Audit[]).every((a) => a.userId === adminId)).toBe(true);
    expect((await audit.getAll(0, 64, undefined, undefined, undefined, undefined, adminId + 999)).totalResults).toBe(0);
    expect((await audit.getAll(0, 64, undefined, undefined, undefined, 424242)).totalResults).toBe(0);

    const updates = await audit.getAll(0, 64, undefined, undefined, undefined, undefined, undefined, 'scope.update');
    expect(updates.entry?.map((a) => a.event)).toEqual(['backend.scope.update']);

    const ip = mine.entry?.[0]?.ip ?? '';
    expect(
      (await audit.getAll(0, 64, undefined, undefined, undefined, undefined, undefined, undefined, ip)).totalResults,
    ).toBe(mine.totalResults);
    expect((await audit.getAll(0, 64, ip)).totalResults).toBe(mine.totalResults);
    expect((await audit.getAll(0, 64, 'backend.user.create')).entry?.map((a) => a.event)).toEqual([
      'backend.user.create',
    ]);

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await audit.getAll(0, 64, undefined, undefined, yesterday)).totalResults).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect((await audit.getAll(0, 64, undefined, today, today)).totalResults).toBe(mine.totalResults);
    expect((await audit.getAll(0, 2)).entry).toHaveLength(2);

    expect(await sdkError(audit.get('999999'))).toMatchObject({ message: 'Could not find audit' });
    expect(await sdkError(audit.getAll(0, 16, undefined, 'not-a-date'))).toMatchObject({
      message: expect.stringMatching(/Query parameter "from" must be a date/),
    });
  });
});
