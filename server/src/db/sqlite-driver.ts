import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The SQLite driver for this Node. better-sqlite3 12 and older wrap their objects in Node's raw
 * `ObjectWrap`, whose destructor aborts the whole process on Node 24.19 and later when a statement is
 * collected after its environment is gone ("Assertion failed: (env) != nullptr", nodejs/node#65446).
 * better-sqlite3 13 moved to Node-API and is safe there, but needs Node 22 or newer; on Node 20 it
 * crashes. So Node 22+ loads 13 (installed under the alias `better-sqlite3-napi`, with its prebuilt
 * binaries) and Node 20 loads 12 (compiled at install). Both have the same API.
 */
const require = createRequire(import.meta.url);
const major = Number(process.versions.node.split('.')[0]);

export const sqliteDriverName = major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';

const SQLite: typeof BetterSqlite3 = require(sqliteDriverName);

export default SQLite;
export type { BetterSqlite3 };
