/**
 * The small differences between the SQL dialects Portico talks to: identifier quoting, parameter
 * placeholders and literals for DDL. Everything that builds SQL goes through these helpers.
 */

export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/** A quoted identifier; the name must come from the database's own catalog or pass `isSafeName`. */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  if (name.includes('\u0000')) throw new Error('An identifier must not contain a NUL character');
  if (dialect === 'mysql') return `\`${name.replaceAll('`', '``')}\``;
  return `"${name.replaceAll('"', '""')}"`;
}

/** A table name as configured, split into the schema (PostgreSQL) or database (MySQL) and the table. */
export interface TableName {
  /** null: the connection's default schema (`current_schema()`) or database (`database()`) */
  readonly schema: string | null;
  readonly table: string;
}

/**
 * `legacy.servers` names table `servers` in schema `legacy` on PostgreSQL and in database `legacy` on
 * MySQL/MariaDB (the first dot splits); SQLite takes the name whole.
 */
export function tableName(dialect: SqlDialect, name: string): TableName {
  const dot = name.indexOf('.');
  if (dialect === 'sqlite' || dot <= 0 || dot === name.length - 1) return { schema: null, table: name };
  return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

/** A table name quoted for SQL: `"legacy"."servers"`, `` `legacy`.`servers` `` or `"servers"`. */
export function quoteTable(dialect: SqlDialect, name: string): string {
  const { schema, table } = tableName(dialect, name);
  const quoted = quoteIdentifier(dialect, table);
  return schema === null ? quoted : `${quoteIdentifier(dialect, schema)}.${quoted}`;
}

/** The placeholder of the n-th (1-based) bound value. */
export function placeholder(dialect: SqlDialect, index: number): string {
  return dialect === 'postgres' ? `$${index}` : '?';
}

/** Renders a list of placeholders starting at `first`. */
export function placeholders(dialect: SqlDialect, count: number, first = 1): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(placeholder(dialect, first + i));
  return out.join(', ');
}

/** Names Portico accepts for tables, columns, indexes and constraints it creates. */
export const safeName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function isSafeName(name: unknown): name is string {
  return typeof name === 'string' && safeName.test(name);
}

/**
 * A literal for places where a value cannot be bound (DDL defaults). Strings are quoted with doubled
 * quotes; MySQL also treats the backslash as an escape character, so it is doubled there.
 */
export function literal(dialect: SqlDialect, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') {
    if (dialect === 'postgres') return value ? 'TRUE' : 'FALSE';
    return value ? '1' : '0';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('A default value must be a finite number');
    return String(value);
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new Error('A default value must not contain a NUL character');
    let escaped = value.replaceAll("'", "''");
    if (dialect === 'mysql') escaped = escaped.replaceAll('\\', '\\\\');
    return `'${escaped}'`;
  }
  throw new Error('A default value must be a string, number, boolean or null');
}

/** `LIKE` pattern escaping with `!` as the escape character: the same on every dialect. */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}

/** Cuts trailing semicolons and whitespace so a configured query can be wrapped or limited. */
export function trimStatement(sql: string): string {
  return sql.replace(/[\s;]+$/u, '');
}
