import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SystemDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { LogRetention } from '../src/telemetry/log-retention.js';
import { systemDatabases } from './support/databases.js';

const databases = await systemDatabases();
const day = 86_400_000;
const now = Date.UTC(2026, 11, 4, 12);

describe.each(databases)('old request logs are deleted in small batches ($kind)', (database) => {
  let sdb: SystemDatabase;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    drop = created.drop;
    sdb = openDatabase(created.url);
    await migrateToLatest(sdb);
  });
  afterAll(async () => {
    await sdb?.close();
    await drop?.();
  });

  it('deletes the logs older than the retention and their errors, keeps the rest and its errors', async () => {
    const db = sdb.db;
    // 1,050 rows 100 days old, then 30 one day old; one recent row written late (an id among the old ones)
    const row = (date: number, i: number) => ({
      category_id: 1,
      operation_id: 1,
      app_id: null,
      user_id: null,
      ip: '127.0.0.1',
      user_agent: 'test',
      method: 'GET',
      path: `/things/${i}`,
      header: '',
      body: null,
      response_code: 200,
      execution_time: 1,
      date,
    });
    const rows = Array.from({ length: 1_080 }, (_, i) =>
      row(i < 1_050 && i !== 500 ? now - 100 * day + i : now - day, i),
    );
    for (let i = 0; i < rows.length; i += 200)
      await db
        .insertInto('logs')
        .values(rows.slice(i, i + 200))
        .execute();
    const ids = (await db.selectFrom('logs').select(['id', 'path']).orderBy('id').execute()).map((r) => r.id);
    const error = (logId: number) => ({
      log_id: logId,
      message: 'boom',
      trace: '',
      file: 'x.ts',
      line: 1,
      created_at: now,
    });
    // errors of an old row, of the late recent row, and of a recent row
    await db
      .insertInto('log_errors')
      .values([error(ids[3] as number), error(ids[500] as number), error(ids[1_070] as number)])
      .execute();

    const retention = new LogRetention(db, pino({ level: 'silent' }), { days: 90, batchSize: 100, pauseMs: 0 });
    const deleted = await retention.run(now);

    expect(deleted).toBe(1_049);
    const left = await db.selectFrom('logs').select(['id', 'date']).orderBy('id').execute();
    expect(left).toHaveLength(31);
    expect(left.every((r) => Number(r.date) >= now - 90 * day)).toBe(true);
    expect(left[0]?.id).toBe(ids[500]);
    const errors = await db.selectFrom('log_errors').select('log_id').orderBy('log_id').execute();
    expect(errors.map((e) => e.log_id)).toEqual([ids[500], ids[1_070]]);
    // a second pass finds nothing and reads one batch
    expect(await retention.run(now)).toBe(0);
    await retention.close();
  });

  it('keeps every log when the retention is 0 days', async () => {
    const retention = new LogRetention(sdb.db, pino({ level: 'silent' }), { days: 0 });
    retention.start();
    const before = await sdb.db
      .selectFrom('logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    await retention.close();
    expect(Number(before?.n)).toBeGreaterThan(0);
    const after = await sdb.db
      .selectFrom('logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    expect(Number(after?.n)).toBe(Number(before?.n));
  });
});
