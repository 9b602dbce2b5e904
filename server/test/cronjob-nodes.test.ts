import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType } from '../src/plugins/action.js';
import { sharedDatabase, systemDatabases } from './support/databases.js';
import { fastEvents } from './support/events-helpers.js';
import { type Harness, startHarness } from './support/harness.js';

// exactly-once across nodes needs a database both nodes share: PostgreSQL and MariaDB
const databases = (await systemDatabases()).filter((d) => d.kind !== 'sqlite');

interface Run {
  node: string;
  at: number;
}

/** An action per node that records when it ran; `fail` throws, like a broken job. */
function probes(node: string, runs: Run[]) {
  return [
    defineActionType<Record<string, never>>({
      class: 'Test.CronProbe',
      name: 'Test-Cron-Probe',
      config: { type: 'object' },
      create: () => () => {
        runs.push({ node, at: Date.now() });
        return { ok: true };
      },
    }),
    defineActionType<Record<string, never>>({
      class: 'Test.CronFailure',
      name: 'Test-Cron-Failure',
      config: { type: 'object' },
      create: () => () => {
        throw new Error(`the report server refused the upload (${node})`);
      },
    }),
  ];
}

describe.each(databases)('cronjobs run once per tick across two nodes ($kind)', (database) => {
  let a: Harness;
  let b: Harness;
  const runs: Run[] = [];

  beforeAll(async () => {
    const shared = sharedDatabase(database);
    a = await startHarness(shared, {}, { events: fastEvents, actionTypes: probes('a', runs) });
    b = await startHarness(shared, {}, { events: fastEvents, actionTypes: probes('b', runs) });
    await a.admin.backend().action().create({ name: 'probe', class: 'Test.CronProbe', config: {} });
    await a.admin.backend().action().create({ name: 'broken-upload', class: 'Test.CronFailure', config: {} });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs every-second cronjobs once per tick, records failures and keeps scheduling', async () => {
    const probe = await a.admin.backend().cronjob().create({ name: 'heartbeat', cron: '* * * * * *', action: 'probe' });
    const failing = await a.admin
      .backend()
      .cronjob()
      .create({ name: 'upload-report', cron: '* * * * * *', action: 'broken-upload' });
    const started = Date.now();
    // both nodes know the jobs at once (the change reaches b within a second, and b re-reads them every 500 ms)
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    const window = runs.filter((r) => r.at >= started);

    // one run per tick: every run falls into its own second, close to the start of it
    const seconds = window.map((r) => Math.floor(r.at / 1000));
    expect(new Set(seconds).size).toBe(window.length);
    expect(window.length).toBeGreaterThanOrEqual(2);
    expect(window.length).toBeLessThanOrEqual(4);
    // early in its second (a loaded CI machine may start a run a few hundred milliseconds late)
    for (const run of window) expect(run.at % 1000).toBeLessThan(800);

    const failed = await b.admin.backend().cronjob().get(String(failing.id));
    expect(failed.exitCode).toBe(1);
    expect(Date.now() - Date.parse(failed.executeDate ?? '')).toBeLessThan(2_000);
    expect(failed.errors?.length).toBeGreaterThanOrEqual(2);
    expect(failed.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^the report server refused the upload \([ab]\)$/),
      trace: expect.stringContaining('Error: the report server refused the upload'),
    });
    // the failing job did not stop the other one
    const ok = await a.admin.backend().cronjob().get(String(probe.id));
    expect(ok).toMatchObject({ exitCode: 0, errors: [] });
    expect(Date.now() - Date.parse(ok.executeDate ?? '')).toBeLessThan(2_000);

    // each tick of each job was claimed once, by one node, and finished with its exit code
    const claims = await a.portico.platform.db
      .selectFrom('cronjob_runs')
      .select(['cronjob_id', 'scheduled_at', 'exit_code', 'node'])
      .where('cronjob_id', 'in', [Number(probe.id), Number(failing.id)])
      .execute();
    expect(claims.every((c) => c.scheduled_at % 1000 === 0)).toBe(true);
    const finished = claims.filter((c) => c.exit_code !== null);
    expect(finished.filter((c) => c.cronjob_id === Number(failing.id)).every((c) => c.exit_code === 1)).toBe(true);
    expect(finished.filter((c) => c.cronjob_id === Number(probe.id)).every((c) => c.exit_code === 0)).toBe(true);

    await a.admin.backend().cronjob().delete(String(probe.id));
    await a.admin.backend().cronjob().delete(String(failing.id));
  });
});
