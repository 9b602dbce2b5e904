import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases, type TestDatabase } from './support/databases.js';
import { liftDefaultRates, recovers, statusesOf, underLoad } from './support/fault-load.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';
import { backend } from './support/mq-api.js';
import { startTcpProxy, type TcpProxy } from './support/mq-proxy.js';

/**
 * The system database (PostgreSQL) goes away under load and comes back. The machine's PostgreSQL serves
 * other test files at the same time, so it is never stopped: Portico reaches it through a TCP proxy this
 * test owns, and "PostgreSQL is down" means the proxy refuses connections and drops the open ones.
 */

const postgres = (await systemDatabases()).find((d) => d.kind === 'postgres');

describe.runIf(postgres)('the system database goes away under load', () => {
  let proxy: TcpProxy;
  let directUrl: string;
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 5432);
    const viaProxy: TestDatabase = {
      kind: 'postgres',
      async create() {
        const made = await (postgres as TestDatabase).create();
        directUrl = made.url;
        const url = new URL(made.url);
        url.port = String(proxy.port);
        return { url: url.toString(), drop: made.drop };
      },
    };
    h = await startHarness(viaProxy);
    await liftDefaultRates((method, path, body) => backend(h, method, path, body));
    await backend(h, 'POST', '/backend/action', {
      name: 'static',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"static":true}' },
    });
    for (const [name, path, isPublic] of [
      ['static.get', '/static', true],
      ['members.get', '/members', false],
    ] as const) {
      const created = await backend(h, 'POST', '/backend/operation', {
        name,
        httpMethod: 'GET',
        httpPath: path,
        action: 'static',
        public: isPublic,
        scopes: isPublic ? [] : ['default'],
      });
      expect(created.status).toBe(201);
    }
    token = await h.adminToken();
  });
  afterAll(async () => {
    await proxy?.up();
    await h?.close();
    await proxy?.close();
  });

  it('answers 503 for what needs it, keeps serving token-checked operations, buffers the request log and recovers', async () => {
    const members = () => ({ headers: { authorization: `Bearer ${token}` } });
    expect((await h.fetch('/members', members())).status).toBe(200);
    expect((await h.fetch('/members')).status).toBe(401);

    await proxy.down();
    let created = 0;
    const outage = await underLoad(
      h.baseUrl,
      [
        { name: 'static', path: '/static' },
        { name: 'members', path: '/members', init: members },
        { name: 'health', path: '/system/health' },
        {
          name: 'write',
          path: '/backend/action',
          init: () => ({
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              name: `during-outage-${created++}`,
              class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
              config: { response: '{}' },
            }),
          }),
        },
        {
          name: 'token',
          path: '/authorization/token',
          init: () => ({
            method: 'POST',
            headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` },
            body: new URLSearchParams({ grant_type: 'client_credentials' }),
          }),
        },
      ],
      { durationMs: 1500, concurrency: 8, idPrefix: 'sysdb-outage' },
    );
    // what needs no database keeps working: routing, signature-checked tokens, compiled operations
    expect(statusesOf(outage.static)).toEqual([200]);
    expect(statusesOf(outage.members)).toEqual([200]);
    // what needs it says so, at once, and the server stays healthy otherwise
    expect(statusesOf(outage.health)).toEqual([503]);
    expect(outage.health?.samples[503]).toMatchObject({ healthy: false, error: 'System database is not reachable' });
    expect(statusesOf(outage.write)).toEqual([503]);
    expect(outage.write?.samples[503]).toMatchObject({
      success: false,
      message: 'A database this request needs is not available, please try again later',
    });
    expect(statusesOf(outage.token)).toEqual([503]);
    for (const tally of Object.values(outage)) {
      expect(tally.failures).toBe(0);
      expect(tally.slowestMs).toBeLessThan(3000);
    }
    // nothing could be written: the request log holds them
    expect(h.portico.platform.requestLog.pending).toBeGreaterThan(0);

    await proxy.up();
    await recovers(async () => (await h.fetch('/system/health')).status === 200);
    const after = await backend(h, 'POST', '/backend/action', {
      name: 'after-outage',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{}' },
    });
    expect(after.status).toBe(201);
    const relogin = await h.adminToken();
    expect(relogin).toBeTruthy();

    // every request answered during the outage is in the request log now, once
    await recovers(async () => {
      await h.flushLogs();
      return h.portico.platform.requestLog.pending === 0;
    });
    const answered = Object.values(outage).flatMap((t) => t.answered);
    expect(answered.length).toBeGreaterThan(100);
    const direct = new pg.Client({ connectionString: directUrl });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ header: string }>(
        "select header from logs where header like '%x-request-id: sysdb-outage-%'",
      );
      const logged = rows.map((r) => /^x-request-id: (.+)$/m.exec(r.header)?.[1]);
      expect(logged.sort()).toEqual(answered.sort());
      // and none of the refused writes happened
      const { rows: actions } = await direct.query(
        "select count(*)::int as n from actions where name like 'during-outage-%'",
      );
      expect(actions[0]).toEqual({ n: 0 });
    } finally {
      await direct.end();
    }
  });
});
