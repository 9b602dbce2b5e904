import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SystemDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { Channel, DatabaseRequestLog, type RequestLogEntry } from './request-log.js';

const logger = pino({ level: 'silent' });

function entry(i: number): RequestLogEntry {
  return {
    categoryId: 1,
    operationId: 1,
    appId: null,
    userId: null,
    ip: '127.0.0.1',
    method: 'GET',
    path: `/thread/${i}`,
    headers: { 'user-agent': 'test' },
    body: undefined,
    responseCode: 200,
    executionTime: 1,
    date: 1_795_000_000_000 + i,
  };
}

function row(i: number) {
  return {
    category_id: 1,
    operation_id: 1,
    app_id: null,
    user_id: null,
    ip: '127.0.0.1',
    user_agent: 'test',
    method: 'GET',
    path: `/row/${i}`,
    header: '',
    body: null,
    response_code: 200,
    execution_time: 1,
    date: 1_795_000_000_000 + i,
  };
}

describe('the SQLite request log written by a worker thread', () => {
  let dir: string;
  let sdb: SystemDatabase;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-log-thread-'));
    sdb = openDatabase(`sqlite:${path.join(dir, 'portico.db')}`);
    await migrateToLatest(sdb);
  });
  afterEach(async () => {
    await sdb.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stored = async () =>
    (await sdb.db.selectFrom('logs').select(['path']).where('path', 'like', '/thread/%').execute()).map((r) => r.path);

  it('writes from a thread of its own, and everything recorded before close is there after it', async () => {
    const log = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { intervalMs: 5, batchSize: 50 });
    expect(log.thread).not.toBeNull();
    for (let i = 0; i < 1234; i++) log.record(entry(i));
    await log.close();
    const paths = await stored();
    expect(paths).toHaveLength(1234);
    expect(new Set(paths)).toEqual(new Set(Array.from({ length: 1234 }, (_, i) => `/thread/${i}`)));
  });

  it('writes every column as the serving thread would: nulls, numbers, bodies and any text', async () => {
    const odd = (i: number): RequestLogEntry => ({
      categoryId: 3,
      operationId: i % 2 === 0 ? null : 17,
      appId: i % 3 === 0 ? null : 2_000_000_000 + i,
      userId: i % 2 === 0 ? 5 : null,
      ip: i % 2 === 0 ? '::ffff:10.0.0.1' : '203.0.113.9',
      method: i % 2 === 0 ? 'POST' : 'HEAD',
      path: `/thread/${i}/ünïcödé/✓/${'x'.repeat(i)}`,
      headers: { 'user-agent': `agent ${i} 🚀`, authorization: 'Bearer secret', 'x-list': ['a', 'b'] },
      body: i % 2 === 0 ? Buffer.from(`{"n":${i},"text":"é🚀"}`) : i % 3 === 0 ? '' : undefined,
      responseCode: 200 + i,
      executionTime: i * 1.6,
      date: 1_795_000_000_000 + i,
      // HTTP, MCP and JSON-RPC
      channel: ([Channel.http, Channel.mcp, Channel.jsonrpc] as const)[i % 3],
    });
    const read = async () =>
      await sdb.db.selectFrom('logs').selectAll().where('path', 'like', '/thread/%').orderBy('date').execute();
    // batches of 37: two groups of sixteen rows in one statement each, and five rows one by one
    const threaded = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { intervalMs: 5, batchSize: 37 });
    for (let i = 0; i < 25 + 37; i++) threaded.record(odd(i));
    await threaded.close();
    const viaThread = (await read()).map(({ id: _id, ...rest }) => rest);
    await sdb.db.deleteFrom('logs').execute();
    const inline = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { thread: false });
    for (let i = 0; i < 25 + 37; i++) inline.record(odd(i));
    await inline.close();
    const onServingThread = (await read()).map(({ id: _id, ...rest }) => rest);
    expect(viaThread).toHaveLength(62);
    expect(viaThread).toEqual(onServingThread);
    expect(viaThread[1]).toMatchObject({ operation_id: 17, app_id: 2_000_000_001, user_id: null, body: null });
    expect(viaThread[2]).toMatchObject({ operation_id: null, user_id: 5, body: '{"n":2,"text":"é🚀"}' });
    expect(viaThread[3]?.user_agent).toBe('agent 3 🚀');
    expect(viaThread[3]?.header).toContain('authorization: [redacted]');
    expect(viaThread.slice(0, 3).map((row) => row.channel)).toEqual([0, 1, 2]);
  });

  it('loses no row when its thread is terminated again and again in the middle of the run', async () => {
    const log = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { intervalMs: 2, batchSize: 40 });
    const thread = log.thread;
    if (!thread) throw new Error('expected a writer thread');
    const total = 4000;
    let kills = 0;
    let killedWithBatchesInFlight = 0;
    for (let i = 0; i < total; i++) {
      log.record(entry(i));
      if (i % 400 === 399) {
        // let a batch be handed over, then kill the thread while it holds it
        await new Promise((r) => setTimeout(r, 3));
        if (thread.pending > 0) killedWithBatchesInFlight++;
        await thread.terminate();
        kills++;
      }
    }
    await log.close();
    expect(kills).toBe(10);
    expect(killedWithBatchesInFlight).toBeGreaterThan(0);
    const paths = await stored();
    // every row is there; a batch committed in the instant before its thread died may be there twice
    expect(new Set(paths)).toEqual(new Set(Array.from({ length: total }, (_, i) => `/thread/${i}`)));
    expect(paths.length).toBeGreaterThanOrEqual(total);
  });

  it('waits while the serving connection holds the write lock, then writes every row', async () => {
    const log = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { intervalMs: 2, batchSize: 20 });
    if (sdb.raw.dialect !== 'sqlite') throw new Error('expected SQLite');
    const serving = sdb.raw.sqlite;
    serving.prepare('begin immediate').run();
    for (let i = 0; i < 300; i++) log.record(entry(i));
    await new Promise((r) => setTimeout(r, 150));
    // nothing could be written while the lock was held
    expect(serving.prepare("select count(*) as n from logs where path like '/thread/%'").get()).toEqual({
      n: 0,
    });
    serving.prepare('commit').run();
    await log.close();
    expect(await stored()).toHaveLength(300);
  });

  it('never makes a transaction of the serving connection fail that reads and then writes meanwhile', async () => {
    const log = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { intervalMs: 1000, batchSize: 1000 });
    const flushes: Promise<void>[] = [];
    // a deferred transaction whose write follows another connection's commit would get SQLITE_BUSY at once
    for (let i = 0; i < 5; i++) {
      await sdb.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('logs')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst();
        for (let k = 0; k < 10; k++) log.record(entry(i * 10 + k));
        // the thread gets a batch now and would commit it during the pause, were it allowed to
        flushes.push(log.flush());
        await new Promise((r) => setTimeout(r, 50));
        await trx
          .insertInto('logs')
          .values({ ...row(i), path: `/serving/${i}` })
          .execute();
      });
    }
    await Promise.all(flushes);
    await log.close();
    const serving = await sdb.db.selectFrom('logs').select('path').where('path', 'like', '/serving/%').execute();
    expect(serving).toHaveLength(5);
    expect(await stored()).toHaveLength(50);
  });

  it('writes on the serving thread when told to, and for a database in memory', async () => {
    const inline = new DatabaseRequestLog(sdb.db, 'sqlite', sdb.raw, logger, { thread: false });
    expect(inline.thread).toBeNull();
    inline.record(entry(1));
    await inline.close();
    expect(await stored()).toEqual(['/thread/1']);
    const memory = openDatabase('sqlite::memory:');
    await migrateToLatest(memory);
    const log = new DatabaseRequestLog(memory.db, 'sqlite', memory.raw, logger);
    expect(log.thread).toBeNull();
    await log.close();
    await memory.close();
  });
});
