import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SystemDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogWriter, type LogRowValues } from '../src/telemetry/log-writer.js';
import { systemDatabases } from './support/databases.js';

const databases = await systemDatabases();

const awkward = 'tab\there, new\nline, cr\r, back\\slash, nul\u0000, quote " and \' , ünïcødé 🚀, \\N';

describe.each(databases)('the request log writer stores every row as given ($kind)', (database) => {
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

  it('writes a batch with awkward text, nulls and large numbers intact', async () => {
    const write = createLogWriter(sdb.raw);
    const rows: LogRowValues[] = Array.from({ length: 1200 }, (_, i) => [
      1,
      i % 3 === 0 ? null : i,
      null,
      i % 2 === 0 ? 7 : null,
      '2001:db8::1',
      `agent ${i}`,
      'GET',
      `/items/${i}?q=${encodeURIComponent(awkward)}`,
      `user-agent: agent ${i}\nx-note: ${awkward}`,
      i % 5 === 0 ? null : awkward,
      200,
      i,
      1_795_000_000_000 + i,
      i % 3,
    ]);
    await write(rows);
    const stored = await sdb.db.selectFrom('logs').selectAll().orderBy('id').execute();
    expect(stored).toHaveLength(1200);
    const sample = stored[5]!;
    expect(sample).toMatchObject({
      operation_id: 5,
      user_id: null,
      ip: '2001:db8::1',
      path: `/items/5?q=${encodeURIComponent(awkward)}`,
      header: `user-agent: agent 5\nx-note: ${awkward.replace('\u0000', database.kind === 'postgres' ? '' : '\u0000')}`,
      date: 1_795_000_000_005,
      channel: 2,
    });
    expect(stored[0]!.body).toBeNull();
    expect(stored[1]!.body).toBe(database.kind === 'postgres' ? awkward.replace('\u0000', '') : awkward);
  });
});
