import type { BackendDatabaseTable, BackendDatabaseTableColumn } from 'fusio-sdk';
import { badRequest } from '../errors.js';
import { isSafeName, literal, quoteIdentifier, quoteTable, type SqlDialect } from './dialect.js';
import type { ColumnInfo, TableInfo } from './table.js';

/**
 * DDL from Fusio's BackendDatabaseTable: create, alter (by comparing with the live table) and drop.
 * Types are Doctrine's portable names, as Fusio's UI sends them. Every name is checked against a
 * strict pattern and quoted; defaults are rendered as escaped literals (DDL cannot bind values).
 */

const typeAliases: Record<string, string> = {
  date_immutable: 'date',
  datetime_immutable: 'datetime',
  datetimetz_immutable: 'datetimetz',
  time_immutable: 'time',
  ascii_string: 'string',
  double: 'float',
  smallfloat: 'float',
  array: 'text',
  simple_array: 'text',
  object: 'text',
};

export const portableTypes = [
  'smallint',
  'integer',
  'bigint',
  'decimal',
  'float',
  'string',
  'text',
  'guid',
  'binary',
  'blob',
  'boolean',
  'date',
  'datetime',
  'datetimetz',
  'time',
  'json',
] as const;

interface ColumnSpec {
  name: string;
  type: string;
  length: number | null;
  precision: number;
  scale: number;
  unsigned: boolean;
  fixed: boolean;
  notNull: boolean;
  autoIncrement: boolean;
  default: unknown;
  comment: string | null;
}

interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  primaryKey: string;
  indexes: { name: string; unique: boolean; columns: string[] }[];
  foreignKeys: { name: string; foreignTable: string; local: string[]; foreign: string[] }[];
}

function checkName(name: unknown, what: string): string {
  if (!isSafeName(name)) {
    throw badRequest(
      `${what} "${String(name ?? '')}" must start with a letter or _ and use only letters, digits and _`,
    );
  }
  return name;
}

function integerOr(value: unknown, fallback: number, what: string, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`${what} must be an integer between 0 and ${max}`);
  }
  return value;
}

function columnSpec(column: BackendDatabaseTableColumn): ColumnSpec {
  const name = checkName(column.name, 'Column name');
  const raw = String(column.type ?? '').toLowerCase();
  const type = typeAliases[raw] ?? raw;
  if (!(portableTypes as readonly string[]).includes(type)) {
    throw badRequest(`Column ${name} has the unknown type "${column.type}", use one of: ${portableTypes.join(', ')}`);
  }
  const usesLength = type === 'string' || type === 'binary';
  const length = usesLength ? integerOr(column.length, 255, `Length of column ${name}`, 65535) || 255 : null;
  const precision = integerOr(column.precision, 10, `Precision of column ${name}`, 65) || 10;
  const scale = integerOr(column.scale, 0, `Scale of column ${name}`, 30);
  if (scale > precision) throw badRequest(`Scale of column ${name} must not be larger than its precision`);
  const autoIncrement = column.autoIncrement === true;
  if (autoIncrement && !['smallint', 'integer', 'bigint'].includes(type)) {
    throw badRequest(`Column ${name} can only auto-increment with an integer type`);
  }
  const value = column.default;
  if (value !== undefined && value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
    throw badRequest(`Default of column ${name} must be a string, number or boolean`);
  }
  return {
    name,
    type,
    length,
    precision,
    scale,
    unsigned: column.unsigned === true,
    fixed: column.fixed === true,
    // Doctrine's columns are NOT NULL unless said otherwise
    notNull: column.notNull !== false,
    autoIncrement,
    default: value ?? null,
    comment: typeof column.comment === 'string' && column.comment !== '' ? column.comment : null,
  };
}

export function tableSpec(table: BackendDatabaseTable): TableSpec {
  const name = checkName(table.name, 'Table name');
  if (!Array.isArray(table.columns) || table.columns.length === 0) throw badRequest('Provided no columns');
  const columns = table.columns.map(columnSpec);
  const names = new Set<string>();
  for (const c of columns) {
    const lower = c.name.toLowerCase();
    if (names.has(lower)) throw badRequest(`Column ${c.name} is defined twice`);
    names.add(lower);
  }
  const has = (column: string) => columns.some((c) => c.name === column);
  const primaryKey = table.primaryKey;
  if (!primaryKey) throw badRequest('Primary key not set');
  if (!has(primaryKey)) throw badRequest(`Primary key ${primaryKey} is not a column of the table`);
  if (columns.filter((c) => c.autoIncrement).some((c) => c.name !== primaryKey)) {
    throw badRequest('Only the primary key column can auto-increment');
  }
  const indexes = (table.indexes ?? []).map((index, i) => {
    const cols = index.columns ?? [];
    if (cols.length === 0) throw badRequest('Provided an index without columns');
    for (const c of cols) if (!has(c)) throw badRequest(`Index column ${c} is not a column of the table`);
    const indexName = index.name ? checkName(index.name, 'Index name') : `idx_${name}_${i + 1}`.slice(0, 63);
    return { name: indexName, unique: index.unique === true, columns: cols };
  });
  const foreignKeys = (table.foreignKeys ?? []).map((fk, i) => {
    const local = fk.localColumnNames ?? [];
    const foreign = (fk.foreignColumnNames ?? []).map((c) => checkName(c, 'Foreign column name'));
    if (local.length === 0 || local.length !== foreign.length) {
      throw badRequest('A foreign key needs as many local as foreign columns');
    }
    for (const c of local) if (!has(c)) throw badRequest(`Foreign key column ${c} is not a column of the table`);
    return {
      name: fk.name ? checkName(fk.name, 'Foreign key name') : `fk_${name}_${i + 1}`.slice(0, 63),
      foreignTable: checkName(fk.foreignTable, 'Foreign table name'),
      local,
      foreign,
    };
  });
  return { name, columns, primaryKey, indexes, foreignKeys };
}

const timeExpressions = /^(CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME)(\(\))?$/i;

function defaultClause(dialect: SqlDialect, column: ColumnSpec): string {
  if (column.default === null || column.autoIncrement) return '';
  const value = column.default;
  if (
    typeof value === 'string' &&
    timeExpressions.test(value) &&
    ['date', 'datetime', 'datetimetz', 'time'].includes(column.type)
  ) {
    return ` DEFAULT ${value.toUpperCase().replace('()', '')}`;
  }
  if (column.type === 'boolean' && typeof value !== 'boolean') {
    const truthy = value === 1 || value === '1' || value === 'true';
    const falsy = value === 0 || value === '0' || value === 'false';
    if (!truthy && !falsy) throw badRequest(`Default of column ${column.name} must be a boolean`);
    return ` DEFAULT ${literal(dialect, truthy)}`;
  }
  return ` DEFAULT ${literal(dialect, value)}`;
}

/** The column's type in the dialect. */
export function columnType(
  dialect: SqlDialect,
  c: Pick<ColumnSpec, 'type' | 'length' | 'precision' | 'scale' | 'unsigned' | 'fixed'>,
): string {
  const unsigned = dialect === 'mysql' && c.unsigned ? ' UNSIGNED' : '';
  switch (c.type) {
    case 'smallint':
      return `SMALLINT${unsigned}`;
    case 'integer':
      return dialect === 'mysql' ? `INT${unsigned}` : 'INTEGER';
    case 'bigint':
      return `BIGINT${unsigned}`;
    case 'decimal':
      return `${dialect === 'postgres' ? 'NUMERIC' : 'DECIMAL'}(${c.precision}, ${c.scale})`;
    case 'float':
      return 'DOUBLE PRECISION';
    case 'string':
      return `${c.fixed ? 'CHAR' : 'VARCHAR'}(${c.length ?? 255})`;
    case 'text':
      return dialect === 'mysql' ? 'LONGTEXT' : 'TEXT';
    case 'guid':
      return dialect === 'postgres' ? 'UUID' : dialect === 'mysql' ? 'CHAR(36)' : 'UUID';
    case 'binary':
      return dialect === 'postgres'
        ? 'BYTEA'
        : dialect === 'mysql'
          ? `${c.fixed ? 'BINARY' : 'VARBINARY'}(${c.length ?? 255})`
          : 'BLOB';
    case 'blob':
      return dialect === 'postgres' ? 'BYTEA' : dialect === 'mysql' ? 'LONGBLOB' : 'BLOB';
    case 'boolean':
      return dialect === 'mysql' ? 'TINYINT(1)' : 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'datetime':
      return dialect === 'postgres' ? 'TIMESTAMP(0) WITHOUT TIME ZONE' : 'DATETIME';
    case 'datetimetz':
      return dialect === 'postgres' ? 'TIMESTAMP(0) WITH TIME ZONE' : 'DATETIME';
    case 'time':
      return dialect === 'postgres' ? 'TIME(0) WITHOUT TIME ZONE' : 'TIME';
    case 'json':
      return dialect === 'postgres' ? 'JSONB' : 'JSON';
    default:
      throw badRequest(`Unknown column type ${c.type}`);
  }
}

/** A full column definition; `inlinePrimaryKey` is SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT`. */
function columnDefinition(dialect: SqlDialect, c: ColumnSpec, inlinePrimaryKey: boolean): string {
  const q = quoteIdentifier(dialect, c.name);
  if (inlinePrimaryKey) return `${q} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`;
  let def = `${q} ${columnType(dialect, c)}`;
  if (c.autoIncrement && dialect === 'postgres') def += ' GENERATED BY DEFAULT AS IDENTITY';
  def += c.notNull || c.autoIncrement ? ' NOT NULL' : ' NULL';
  if (c.autoIncrement && dialect === 'mysql') def += ' AUTO_INCREMENT';
  def += defaultClause(dialect, c);
  if (dialect === 'mysql' && c.comment) def += ` COMMENT ${literal(dialect, c.comment)}`;
  return def;
}

function indexStatement(dialect: SqlDialect, table: string, index: TableSpec['indexes'][number]): string {
  const q = (n: string) => quoteIdentifier(dialect, n);
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(table)} (${index.columns.map(q).join(', ')})`;
}

function foreignKeyClause(dialect: SqlDialect, fk: TableSpec['foreignKeys'][number]): string {
  const q = (n: string) => quoteIdentifier(dialect, n);
  return `CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.local.map(q).join(', ')}) REFERENCES ${q(fk.foreignTable)} (${fk.foreign.map(q).join(', ')})`;
}

function commentStatements(dialect: SqlDialect, table: string, columns: ColumnSpec[]): string[] {
  if (dialect !== 'postgres') return [];
  const q = (n: string) => quoteIdentifier(dialect, n);
  return columns
    .filter((c) => c.comment)
    .map((c) => `COMMENT ON COLUMN ${q(table)}.${q(c.name)} IS ${literal(dialect, c.comment)}`);
}

export function createTableStatements(dialect: SqlDialect, table: BackendDatabaseTable): string[] {
  const spec = tableSpec(table);
  const q = (n: string) => quoteIdentifier(dialect, n);
  const pk = spec.columns.find((c) => c.name === spec.primaryKey) as ColumnSpec;
  const inlinePk = dialect === 'sqlite' && pk.autoIncrement;
  const parts = spec.columns.map((c) => columnDefinition(dialect, c, inlinePk && c === pk));
  if (!inlinePk) parts.push(`PRIMARY KEY (${q(spec.primaryKey)})`);
  for (const fk of spec.foreignKeys) parts.push(foreignKeyClause(dialect, fk));
  const options =
    dialect === 'mysql' ? ' DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci ENGINE = InnoDB' : '';
  return [
    `CREATE TABLE ${q(spec.name)} (${parts.join(', ')})${options}`,
    ...spec.indexes.map((index) => indexStatement(dialect, spec.name, index)),
    ...commentStatements(dialect, spec.name, spec.columns),
  ];
}

export function dropTableStatement(dialect: SqlDialect, table: string): string {
  return `DROP TABLE ${quoteTable(dialect, table)}`;
}

/** What a live column looks like as a spec, to compare with the requested one. */
function specOf(column: ColumnInfo): ColumnSpec {
  return {
    name: column.name,
    type: column.type,
    length: column.length,
    precision: column.precision ?? 10,
    scale: column.scale ?? 0,
    unsigned: column.unsigned,
    fixed: column.fixed,
    notNull: column.notNull,
    autoIncrement: column.autoIncrement,
    default: column.default,
    comment: column.comment,
  };
}

function sameDefault(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  return String(a) === String(b);
}

function sameType(a: ColumnSpec, b: ColumnSpec): boolean {
  if (a.type !== b.type) return false;
  if ((a.type === 'string' || a.type === 'binary') && (a.length ?? 255) !== (b.length ?? 255)) return false;
  if (a.type === 'decimal' && (a.precision !== b.precision || a.scale !== b.scale)) return false;
  return a.unsigned === b.unsigned;
}

/**
 * The statements that turn the live table into the requested one: rename, add/drop/change columns,
 * add/drop indexes and foreign keys. SQLite cannot change a column in place: that is a 400.
 */
export function alterTableStatements(dialect: SqlDialect, live: TableInfo, table: BackendDatabaseTable): string[] {
  const spec = tableSpec({ ...table, name: table.name ?? live.name });
  const q = (n: string) => quoteIdentifier(dialect, n);
  const out: string[] = [];
  const livePk = live.primaryKey.join(',');
  if (livePk !== '' && livePk !== spec.primaryKey)
    throw badRequest('Changing the primary key of a table is not supported');
  let name = live.name;
  if (spec.name !== live.name) {
    out.push(`ALTER TABLE ${q(live.name)} RENAME TO ${q(spec.name)}`);
    name = spec.name;
  }
  const t = q(name);
  const wanted = new Map(spec.columns.map((c) => [c.name, c]));
  // dropped keys and indexes first: they may use columns that go away (MySQL: keys before their index)
  const wantedKeys = new Map(spec.foreignKeys.map((k) => [k.name, k]));
  for (const fk of live.foreignKeys) {
    const next = wantedKeys.get(fk.name);
    if (
      next &&
      next.foreignTable === fk.foreignTable &&
      next.local.join(',') === fk.localColumnNames.join(',') &&
      next.foreign.join(',') === fk.foreignColumnNames.join(',')
    ) {
      wantedKeys.delete(fk.name);
      continue;
    }
    if (dialect === 'sqlite') throw badRequest('Changing foreign keys is not supported on SQLite');
    out.push(
      dialect === 'mysql'
        ? `ALTER TABLE ${t} DROP FOREIGN KEY ${q(fk.name)}`
        : `ALTER TABLE ${t} DROP CONSTRAINT ${q(fk.name)}`,
    );
  }
  const wantedIndexes = new Map(spec.indexes.map((i) => [i.name, i]));
  for (const index of live.indexes) {
    const next = wantedIndexes.get(index.name);
    if (next && next.unique === index.unique && next.columns.join(',') === index.columns.join(',')) {
      wantedIndexes.delete(index.name);
      continue;
    }
    out.push(dialect === 'mysql' ? `DROP INDEX ${q(index.name)} ON ${t}` : `DROP INDEX ${q(index.name)}`);
  }
  for (const column of live.columns) {
    const next = wanted.get(column.name);
    if (!next) {
      out.push(`ALTER TABLE ${t} DROP COLUMN ${q(column.name)}`);
      continue;
    }
    wanted.delete(column.name);
    const current = specOf(column);
    const typeChanged = !sameType(current, next);
    const nullChanged = current.notNull !== next.notNull;
    const defaultChanged = !sameDefault(current.default, next.default) && !next.autoIncrement;
    const commentChanged = (current.comment ?? null) !== (next.comment ?? null);
    if (!typeChanged && !nullChanged && !defaultChanged && !commentChanged) continue;
    if (dialect === 'sqlite') {
      throw badRequest(`Changing column ${column.name} is not supported on SQLite; add a new column instead`);
    }
    if (dialect === 'mysql') {
      out.push(`ALTER TABLE ${t} MODIFY COLUMN ${columnDefinition(dialect, next, false)}`);
      continue;
    }
    const c = q(column.name);
    if (typeChanged) {
      const type = columnType(dialect, next);
      out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${type} USING ${c}::${type}`);
    }
    if (nullChanged) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ${next.notNull ? 'SET' : 'DROP'} NOT NULL`);
    if (defaultChanged) {
      const clause = defaultClause(dialect, next);
      out.push(
        clause ? `ALTER TABLE ${t} ALTER COLUMN ${c} SET${clause}` : `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT`,
      );
    }
    if (commentChanged) out.push(...commentStatements(dialect, name, [{ ...next, comment: next.comment ?? '' }]));
  }
  for (const column of wanted.values()) {
    if (column.autoIncrement) throw badRequest(`Column ${column.name} cannot be added as auto-increment`);
    if (dialect === 'sqlite' && column.notNull && column.default === null) {
      throw badRequest(`Column ${column.name} needs a default to be added as NOT NULL on SQLite`);
    }
    out.push(`ALTER TABLE ${t} ADD COLUMN ${columnDefinition(dialect, column, false)}`);
    out.push(...commentStatements(dialect, name, [column]));
  }
  for (const index of wantedIndexes.values()) out.push(indexStatement(dialect, name, index));
  for (const fk of wantedKeys.values()) {
    if (dialect === 'sqlite') throw badRequest('Adding foreign keys is not supported on SQLite');
    out.push(`ALTER TABLE ${t} ADD ${foreignKeyClause(dialect, fk)}`);
  }
  return out;
}
