import type { SqlClient, SqlRow } from './client.js';
import { tableName } from './dialect.js';

/** How Portico treats a column's values: validation on the way in, conversion on the way out. */
export type ColumnKind =
  | 'integer'
  | 'number'
  | 'decimal'
  | 'boolean'
  | 'string'
  | 'date'
  | 'datetime'
  | 'time'
  | 'json'
  | 'uuid'
  | 'binary'
  | 'other';

export interface ColumnInfo {
  readonly name: string;
  /** Doctrine's portable type name, as Fusio shows it: integer, bigint, string, text, datetime, … */
  readonly type: string;
  /** the database's own type, e.g. `character varying`, `int(10) unsigned`, `VARCHAR(64)` */
  readonly nativeType: string;
  readonly kind: ColumnKind;
  readonly length: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly unsigned: boolean;
  readonly fixed: boolean;
  readonly notNull: boolean;
  readonly autoIncrement: boolean;
  /** the default as the catalog states it (a literal value or an SQL expression), null for none */
  readonly default: string | number | null;
  readonly hasDefault: boolean;
  readonly comment: string | null;
  /** inclusive range of an integer column */
  readonly range: readonly [bigint, bigint] | null;
}

export interface IndexInfo {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
}

export interface ForeignKeyInfo {
  readonly name: string;
  readonly foreignTable: string;
  readonly localColumnNames: readonly string[];
  readonly foreignColumnNames: readonly string[];
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly byName: ReadonlyMap<string, ColumnInfo>;
  readonly primaryKey: readonly string[];
  readonly indexes: readonly IndexInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
}

interface CacheEntry {
  promise: Promise<TableInfo | null>;
  value?: TableInfo | null;
}

function cacheOf(client: SqlClient): Map<string, CacheEntry> {
  return client.tables as Map<string, CacheEntry>;
}

/** The cached metadata of a table, if it has been loaded; synchronous so the hot path never waits. */
export function peekTable(client: SqlClient, table: string): TableInfo | null | undefined {
  return cacheOf(client).get(table)?.value;
}

/**
 * The metadata of a table (null when it does not exist), introspected once per client and table and
 * reused until `fresh` is asked for, the table is changed through Portico, or a query reports drift.
 */
export function loadTable(client: SqlClient, table: string, fresh = false): Promise<TableInfo | null> {
  const cache = cacheOf(client);
  const known = cache.get(table);
  if (known && !fresh) return known.promise;
  const entry: CacheEntry = { promise: describeTable(client, table) };
  entry.promise.then(
    (value) => {
      entry.value = value;
      // an absent table is not remembered: it may be created any moment
      if (value === null && cache.get(table) === entry) cache.delete(table);
    },
    () => {
      if (cache.get(table) === entry) cache.delete(table);
    },
  );
  cache.set(table, entry);
  return entry.promise;
}

export function forgetTable(client: SqlClient, table?: string): void {
  if (table === undefined) cacheOf(client).clear();
  else cacheOf(client).delete(table);
}

/** Names of the base tables the connection's user sees in its default schema, sorted. */
export async function listTables(client: SqlClient): Promise<string[]> {
  let rows: SqlRow[];
  if (client.dialect === 'postgres') {
    rows = await client.all(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
  } else if (client.dialect === 'mysql') {
    rows = await client.all(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = database() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
  } else {
    rows = await client.all(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
    );
  }
  return rows.map((r) => String(r.name));
}

export async function describeTable(client: SqlClient, table: string): Promise<TableInfo | null> {
  if (client.dialect === 'postgres') return describePostgres(client, table);
  if (client.dialect === 'mysql') return describeMysql(client, table);
  return describeSqlite(client, table);
}

function tableInfo(
  name: string,
  columns: ColumnInfo[],
  primaryKey: string[],
  indexes: IndexInfo[],
  foreignKeys: ForeignKeyInfo[],
): TableInfo {
  return { name, columns, byName: new Map(columns.map((c) => [c.name, c])), primaryKey, indexes, foreignKeys };
}

const intRanges: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, integer: 32, bigint: 64 };

export function integerRange(bits: number, unsigned: boolean): readonly [bigint, bigint] {
  const b = BigInt(bits);
  return unsigned ? [0n, (1n << b) - 1n] : [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n];
}

function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

// ---------------------------------------------------------------- PostgreSQL

const pgKinds: Record<string, [string, ColumnKind]> = {
  smallint: ['smallint', 'integer'],
  integer: ['integer', 'integer'],
  bigint: ['bigint', 'integer'],
  numeric: ['decimal', 'decimal'],
  real: ['float', 'number'],
  'double precision': ['float', 'number'],
  boolean: ['boolean', 'boolean'],
  'character varying': ['string', 'string'],
  character: ['string', 'string'],
  text: ['text', 'string'],
  date: ['date', 'date'],
  'timestamp without time zone': ['datetime', 'datetime'],
  'timestamp with time zone': ['datetimetz', 'datetime'],
  'time without time zone': ['time', 'time'],
  'time with time zone': ['time', 'time'],
  json: ['json', 'json'],
  jsonb: ['json', 'json'],
  uuid: ['guid', 'uuid'],
  bytea: ['blob', 'binary'],
};

async function describePostgres(client: SqlClient, table: string): Promise<TableInfo | null> {
  // `legacy.servers`: table servers in schema legacy; a bare name is looked up in current_schema()
  const name = tableName('postgres', table);
  const schema = name.schema === null ? 'current_schema()' : '$2';
  const params = name.schema === null ? [name.table] : [name.table, name.schema];
  const columns = await client.all(
    `SELECT c.column_name, c.data_type, c.udt_name, c.character_maximum_length, c.numeric_precision,
            c.numeric_scale, c.is_nullable, c.column_default, c.is_identity,
            col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position::int) AS comment
     FROM information_schema.columns c
     WHERE c.table_schema = ${schema} AND c.table_name = $1
     ORDER BY c.ordinal_position`,
    params,
  );
  if (columns.length === 0) return null;
  const [indexRows, fkRows] = await Promise.all([
    client.all(
      `SELECT i.relname AS name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
              array_agg(a.attname::text ORDER BY k.n) AS columns
       FROM pg_index ix
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE ns.nspname = ${schema} AND t.relname = $1
       GROUP BY i.relname, ix.indisunique, ix.indisprimary
       ORDER BY i.relname`,
      params,
    ),
    client.all(
      `SELECT con.conname AS name, ft.relname AS foreign_table,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS local_columns,
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS foreign_columns
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_namespace ns ON ns.oid = t.relnamespace
       JOIN pg_class ft ON ft.oid = con.confrelid
       WHERE con.contype = 'f' AND ns.nspname = ${schema} AND t.relname = $1
       ORDER BY con.conname`,
      params,
    ),
  ]);
  const result: ColumnInfo[] = columns.map((row) => {
    const dataType = String(row.data_type);
    const [type, kind] = pgKinds[dataType] ?? [String(row.udt_name), 'other' as ColumnKind];
    const rawDefault = row.column_default === null ? null : String(row.column_default);
    const autoIncrement = row.is_identity === 'YES' || (rawDefault?.startsWith('nextval(') ?? false);
    const bits = intRanges[dataType];
    return {
      name: String(row.column_name),
      type,
      nativeType: dataType,
      kind,
      length: num(row.character_maximum_length),
      precision: kind === 'decimal' ? num(row.numeric_precision) : null,
      scale: kind === 'decimal' ? num(row.numeric_scale) : null,
      unsigned: false,
      fixed: dataType === 'character',
      notNull: row.is_nullable === 'NO',
      autoIncrement,
      default: autoIncrement ? null : postgresDefault(rawDefault),
      hasDefault: rawDefault !== null,
      comment: row.comment === null || row.comment === undefined ? null : String(row.comment),
      range: bits ? integerRange(bits, false) : null,
    };
  });
  const primary = indexRows.find((r) => r.is_primary === true);
  const indexes = indexRows
    .filter((r) => r.is_primary !== true)
    .map((r) => ({ name: String(r.name), unique: r.is_unique === true, columns: r.columns as string[] }));
  const foreignKeys = fkRows.map((r) => ({
    name: String(r.name),
    foreignTable: String(r.foreign_table),
    localColumnNames: r.local_columns as string[],
    foreignColumnNames: r.foreign_columns as string[],
  }));
  return tableInfo(table, result, (primary?.columns as string[] | undefined) ?? [], indexes, foreignKeys);
}

/** `'abc'::character varying` → abc, `42` → 42, an expression stays as written. */
export function postgresDefault(raw: string | null): string | number | null {
  if (raw === null) return null;
  const quoted = /^'((?:[^']|'')*)'(?:::[\w\s"[\]]+)?$/s.exec(raw);
  if (quoted) return (quoted[1] as string).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const cast = /^\(?(-?\d+(?:\.\d+)?)\)?::[\w\s]+$/.exec(raw);
  if (cast) return Number(cast[1]);
  if (/^NULL(::.*)?$/i.test(raw)) return null;
  return raw;
}

// ---------------------------------------------------------------- MySQL / MariaDB

async function describeMysql(client: SqlClient, table: string): Promise<TableInfo | null> {
  // `legacy.servers`: table servers in database legacy of the same server; a bare name is in database()
  const name = tableName('mysql', table);
  const schema = name.schema === null ? 'database()' : '?';
  const params = name.schema === null ? [name.table] : [name.schema, name.table];
  const columns = await client.all(
    `SELECT column_name AS name, data_type AS data_type, column_type AS column_type,
            character_maximum_length AS max_length, numeric_precision AS num_precision,
            numeric_scale AS num_scale, is_nullable AS nullable, column_default AS def,
            extra AS extra, column_comment AS comment
     FROM information_schema.columns
     WHERE table_schema = ${schema} AND table_name = ?
     ORDER BY ordinal_position`,
    params,
  );
  if (columns.length === 0) return null;
  const [indexRows, fkRows, checks] = await Promise.all([
    client.all(
      `SELECT index_name AS name, non_unique AS non_unique, column_name AS column_name
       FROM information_schema.statistics
       WHERE table_schema = ${schema} AND table_name = ?
       ORDER BY index_name, seq_in_index`,
      params,
    ),
    client.all(
      `SELECT constraint_name AS name, column_name AS column_name, referenced_table_name AS foreign_table,
              referenced_column_name AS foreign_column
       FROM information_schema.key_column_usage
       WHERE table_schema = ${schema} AND table_name = ? AND referenced_table_name IS NOT NULL
       ORDER BY constraint_name, ordinal_position`,
      params,
    ),
    // MariaDB stores JSON as LONGTEXT guarded by json_valid(); MySQL has no table_name column here
    client
      .all(
        `SELECT check_clause AS clause FROM information_schema.check_constraints
         WHERE constraint_schema = ${schema} AND table_name = ?`,
        params,
      )
      .catch(() => [] as SqlRow[]),
  ]);
  const jsonColumns = new Set(
    checks
      .map((c) => /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(c.clause))?.[1]?.replaceAll('``', '`'))
      .filter((c): c is string => !!c),
  );
  const result = columns.map((row) => mysqlColumn(row, jsonColumns));
  const indexMap = new Map<string, { unique: boolean; columns: string[] }>();
  for (const row of indexRows) {
    const name = String(row.name);
    const entry = indexMap.get(name) ?? { unique: Number(row.non_unique) === 0, columns: [] };
    entry.columns.push(String(row.column_name));
    indexMap.set(name, entry);
  }
  const primaryKey = indexMap.get('PRIMARY')?.columns ?? [];
  indexMap.delete('PRIMARY');
  const fkMap = new Map<string, ForeignKeyInfo & { localColumnNames: string[]; foreignColumnNames: string[] }>();
  for (const row of fkRows) {
    const name = String(row.name);
    const entry = fkMap.get(name) ?? {
      name,
      foreignTable: String(row.foreign_table),
      localColumnNames: [],
      foreignColumnNames: [],
    };
    entry.localColumnNames.push(String(row.column_name));
    entry.foreignColumnNames.push(String(row.foreign_column));
    fkMap.set(name, entry);
  }
  const indexes = [...indexMap].map(([name, i]) => ({ name, unique: i.unique, columns: i.columns }));
  return tableInfo(table, result, primaryKey, indexes, [...fkMap.values()]);
}

function mysqlColumn(row: SqlRow, jsonColumns: Set<string>): ColumnInfo {
  const name = String(row.name);
  const dataType = String(row.data_type).toLowerCase();
  const columnType = String(row.column_type).toLowerCase();
  const unsigned = columnType.includes('unsigned');
  let type: string;
  let kind: ColumnKind;
  let range: readonly [bigint, bigint] | null = null;
  if (dataType === 'tinyint' && /^tinyint\(1\)/.test(columnType)) {
    type = 'boolean';
    kind = 'boolean';
  } else if (dataType in intRanges || dataType === 'int') {
    const bits = dataType === 'int' ? 32 : (intRanges[dataType] as number);
    type = bits === 64 ? 'bigint' : bits <= 16 ? 'smallint' : 'integer';
    kind = 'integer';
    range = integerRange(bits, unsigned);
  } else if (dataType === 'decimal' || dataType === 'numeric') {
    type = 'decimal';
    kind = 'decimal';
  } else if (dataType === 'float' || dataType === 'double' || dataType === 'real') {
    type = 'float';
    kind = 'number';
  } else if (dataType === 'varchar' || dataType === 'char' || dataType === 'enum' || dataType === 'set') {
    type = 'string';
    kind = 'string';
  } else if (dataType.endsWith('text')) {
    type = jsonColumns.has(name) ? 'json' : 'text';
    kind = jsonColumns.has(name) ? 'json' : 'string';
  } else if (dataType === 'json') {
    type = 'json';
    kind = 'json';
  } else if (dataType === 'date') {
    type = 'date';
    kind = 'date';
  } else if (dataType === 'datetime' || dataType === 'timestamp') {
    type = 'datetime';
    kind = 'datetime';
  } else if (dataType === 'time') {
    type = 'time';
    kind = 'time';
  } else if (dataType === 'year') {
    type = 'integer';
    kind = 'integer';
    range = [0n, 2155n];
  } else if (dataType === 'binary' || dataType === 'varbinary') {
    type = 'binary';
    kind = 'binary';
  } else if (dataType.endsWith('blob')) {
    type = 'blob';
    kind = 'binary';
  } else {
    type = dataType;
    kind = 'other';
  }
  const extra = String(row.extra ?? '').toLowerCase();
  const autoIncrement = extra.includes('auto_increment');
  const raw = row.def === null || row.def === undefined ? null : String(row.def);
  const hasDefault = raw !== null && raw.toUpperCase() !== 'NULL';
  return {
    name,
    type,
    nativeType: columnType,
    kind,
    length: kind === 'string' || kind === 'binary' ? num(row.max_length) : null,
    precision: kind === 'decimal' ? num(row.num_precision) : null,
    scale: kind === 'decimal' ? num(row.num_scale) : null,
    unsigned,
    fixed: dataType === 'char' || dataType === 'binary',
    notNull: row.nullable === 'NO',
    autoIncrement,
    default: hasDefault ? mysqlDefault(raw as string, kind) : null,
    hasDefault: hasDefault || autoIncrement,
    comment: row.comment ? String(row.comment) : null,
    range,
  };
}

/** MariaDB quotes literal defaults (`'abc'`), MySQL does not; numbers become numbers. */
export function mysqlDefault(raw: string, kind: ColumnKind): string | number {
  const quoted = /^'((?:[^']|'')*)'$/s.exec(raw);
  if (quoted) return (quoted[1] as string).replaceAll("''", "'").replaceAll('\\\\', '\\');
  if ((kind === 'integer' || kind === 'number' || kind === 'decimal') && /^-?\d+(\.\d+)?$/.test(raw))
    return Number(raw);
  return raw;
}

// ---------------------------------------------------------------- SQLite

async function describeSqlite(client: SqlClient, table: string): Promise<TableInfo | null> {
  const columns = await client.all('SELECT * FROM pragma_table_info(?) ORDER BY cid', [table]);
  if (columns.length === 0) return null;
  const [indexList, fkRows] = await Promise.all([
    client.all('SELECT * FROM pragma_index_list(?)', [table]),
    client.all('SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq', [table]),
  ]);
  const pkColumns = columns
    .filter((c) => Number(c.pk) > 0)
    .sort((a, b) => Number(a.pk) - Number(b.pk))
    .map((c) => String(c.name));
  const rowidAlias =
    pkColumns.length === 1 &&
    String(columns.find((c) => c.name === pkColumns[0])?.type ?? '').toUpperCase() === 'INTEGER';
  const result = columns.map((row) => sqliteColumn(row, rowidAlias && row.name === pkColumns[0]));
  const indexes: IndexInfo[] = [];
  for (const index of indexList) {
    if (index.origin === 'pk') continue;
    const info = await client.all('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [String(index.name)]);
    indexes.push({
      name: String(index.name),
      unique: Number(index.unique) === 1,
      columns: info.map((i) => String(i.name)),
    });
  }
  indexes.sort((a, b) => a.name.localeCompare(b.name));
  const fkMap = new Map<number, { foreignTable: string; local: string[]; foreign: string[] }>();
  for (const row of fkRows) {
    const id = Number(row.id);
    const entry = fkMap.get(id) ?? { foreignTable: String(row.table), local: [], foreign: [] };
    entry.local.push(String(row.from));
    entry.foreign.push(String(row.to ?? ''));
    fkMap.set(id, entry);
  }
  const foreignKeys = [...fkMap].map(([id, fk]) => ({
    name: `fk_${table}_${id}`,
    foreignTable: fk.foreignTable,
    localColumnNames: fk.local,
    foreignColumnNames: fk.foreign,
  }));
  return tableInfo(table, result, pkColumns, indexes, foreignKeys);
}

function sqliteColumn(row: SqlRow, rowidAlias: boolean): ColumnInfo {
  const declared = String(row.type ?? '');
  const upper = declared.toUpperCase();
  const length = num(/\(\s*(\d+)/.exec(declared)?.[1]);
  let type: string;
  let kind: ColumnKind;
  let range: readonly [bigint, bigint] | null = null;
  if (/^(BOOLEAN|BOOL)\b/.test(upper) || /^TINYINT\(1\)/.test(upper)) {
    type = 'boolean';
    kind = 'boolean';
  } else if (upper.startsWith('JSON')) {
    type = 'json';
    kind = 'json';
  } else if (upper === 'UUID' || upper === 'GUID') {
    type = 'guid';
    kind = 'uuid';
  } else if (upper.includes('INT')) {
    type = upper.includes('BIGINT') ? 'bigint' : upper.includes('SMALLINT') ? 'smallint' : 'integer';
    kind = 'integer';
    range = integerRange(64, false);
  } else if (/CHAR|CLOB|TEXT/.test(upper)) {
    type = /TEXT|CLOB/.test(upper) ? 'text' : 'string';
    kind = 'string';
  } else if (upper.includes('BLOB') || upper.includes('BINARY')) {
    type = 'blob';
    kind = 'binary';
  } else if (/REAL|FLOA|DOUB/.test(upper)) {
    type = 'float';
    kind = 'number';
  } else if (/NUMERIC|DECIMAL/.test(upper)) {
    type = 'decimal';
    kind = 'decimal';
  } else if (/^(DATETIME|TIMESTAMP)/.test(upper)) {
    type = 'datetime';
    kind = 'datetime';
  } else if (upper.startsWith('DATE')) {
    type = 'date';
    kind = 'date';
  } else if (upper.startsWith('TIME')) {
    type = 'time';
    kind = 'time';
  } else {
    type = declared.toLowerCase() || 'string';
    kind = 'other';
  }
  const raw = row.dflt_value === null || row.dflt_value === undefined ? null : String(row.dflt_value);
  const hasDefault = raw !== null && raw.toUpperCase() !== 'NULL';
  return {
    name: String(row.name),
    type,
    nativeType: declared,
    kind,
    length: kind === 'string' ? length : null,
    precision: kind === 'decimal' ? length : null,
    scale: kind === 'decimal' ? num(/\(\s*\d+\s*,\s*(\d+)/.exec(declared)?.[1]) : null,
    unsigned: false,
    fixed: /^CHAR/.test(upper),
    // a primary key never takes NULL through Portico, even where SQLite would allow it
    notNull: Number(row.notnull) === 1 || Number(row.pk) > 0,
    autoIncrement: rowidAlias,
    default: hasDefault ? sqliteDefault(raw as string) : null,
    hasDefault: hasDefault || rowidAlias,
    comment: null,
    range,
  };
}

export function sqliteDefault(raw: string): string | number {
  const quoted = /^'((?:[^']|'')*)'$/s.exec(raw);
  if (quoted) return (quoted[1] as string).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** The single primary key column a row operation needs, or a reason why the table has none. */
export function singlePrimaryKey(table: TableInfo): ColumnInfo | string {
  if (table.primaryKey.length === 0) return `Table ${table.name} has no primary key`;
  if (table.primaryKey.length > 1) return `Table ${table.name} has a composite primary key, which is not supported`;
  return table.byName.get(table.primaryKey[0] as string) ?? `Table ${table.name} has no primary key`;
}
