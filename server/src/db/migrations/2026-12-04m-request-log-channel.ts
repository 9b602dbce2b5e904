import type { VersionedMigration } from '../columns.js';

/**
 * How a logged request arrived: 0 over HTTP, 1 as an MCP tool call, 2 as a JSON-RPC call (telemetry/request-log.ts
 * `Channel`). Old rows were all HTTP, so the default fills them.
 */
export const migration: VersionedMigration = {
  async up(db) {
    await db.schema
      .alterTable('logs')
      .addColumn('channel', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
  },
};
