import type { RawDriver } from '../db/database.js';

/** One row of the logs table, in column order. */
export type LogRowValues = [
  categoryId: number,
  operationId: number | null,
  appId: number | null,
  userId: number | null,
  ip: string,
  userAgent: string,
  method: string,
  path: string,
  header: string,
  body: string | null,
  responseCode: number,
  executionTime: number,
  date: number,
];

const columns =
  'category_id, operation_id, app_id, user_id, ip, user_agent, method, path, header, body, response_code, execution_time, date';

/**
 * Writes a batch of request logs in one statement, without building SQL per batch: a prepared
 * statement in one transaction on SQLite, `unnest` of 13 arrays on PostgreSQL (13 parameters for any
 * batch size), a bulk VALUES list on MySQL.
 */
export function createLogWriter(raw: RawDriver): (rows: LogRowValues[]) => Promise<void> {
  switch (raw.dialect) {
    case 'sqlite': {
      const insert = raw.sqlite.prepare(`insert into logs (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const writeAll = raw.sqlite.transaction((rows: LogRowValues[]) => {
        for (const row of rows) insert.run(row);
      });
      return async (rows) => {
        writeAll(rows);
      };
    }
    case 'postgres': {
      const text = `insert into logs (${columns}) select * from unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], $9::text[], $10::text[], $11::int[], $12::int[], $13::bigint[])`;
      return async (rows) => {
        const arrays: unknown[][] = Array.from({ length: 13 }, () => new Array(rows.length));
        rows.forEach((row, i) => {
          for (let c = 0; c < 13; c++) (arrays[c] as unknown[])[i] = row[c];
        });
        await raw.pool.query(text, arrays);
      };
    }
    case 'mysql': {
      const pool = raw.pool.promise();
      return async (rows) => {
        await pool.query(`insert into logs (${columns}) values ?`, [rows]);
      };
    }
  }
}
