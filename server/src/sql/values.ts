import { badRequest } from '../errors.js';
import type { SqlRow } from './client.js';
import type { SqlDialect } from './dialect.js';
import { exactNumber } from './numbers.js';
import type { ColumnInfo } from './table.js';

/**
 * Values crossing the border between JSON and a table column. On the way in every value is checked
 * against the column (type, range, length, NOT NULL) so a bad request gets a 400 that names the
 * property, before the database sees it; on the way out values get the JSON form Fusio shows.
 */

function fail(property: string, problem: string): never {
  throw badRequest(`Property ${property} ${problem}`);
}

/** The value to bind for a column, or a 400 that names the property. */
export function toColumnValue(
  column: ColumnInfo,
  value: unknown,
  dialect: SqlDialect,
  property = column.name,
): unknown {
  if (value === null || value === undefined) {
    if (column.notNull) fail(property, 'must not be null');
    return null;
  }
  switch (column.kind) {
    case 'integer':
      return integerValue(column, value, property);
    case 'number': {
      const n =
        typeof value === 'number' ? value : typeof value === 'string' && numeric.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) fail(property, 'must be a number');
      return n;
    }
    case 'decimal':
      return decimalValue(column, value, property);
    case 'boolean':
      return booleanValue(value, property);
    case 'string':
      return stringValue(column, value, property);
    case 'date':
      return dateValue(value, property);
    case 'datetime':
      return datetimeValue(column, value, dialect, property);
    case 'time': {
      if (typeof value !== 'string' || !timePattern.test(value)) fail(property, 'must be a time (HH:MM:SS)');
      return value;
    }
    case 'json':
      return JSON.stringify(value);
    case 'uuid': {
      if (typeof value !== 'string' || !uuidPattern.test(value)) fail(property, 'must be a UUID');
      return value.toLowerCase();
    }
    case 'binary': {
      if (typeof value !== 'string' || value.length % 4 !== 0 || !base64Pattern.test(value)) {
        fail(property, 'must be base64 encoded binary data');
      }
      return Buffer.from(value, 'base64');
    }
    default: {
      if (typeof value === 'string') {
        if (value.includes('\u0000')) fail(property, 'must not contain NUL characters');
        return value;
      }
      if (typeof value === 'number' || typeof value === 'boolean') return value;
      return fail(property, 'must be a string, number or boolean');
    }
  }
}

const numeric = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const integerText = /^-?\d{1,20}$/;
const decimalText = /^-?(\d+)(?:\.(\d+))?$/;
const timePattern = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function integerValue(column: ColumnInfo, value: unknown, property: string): number | string {
  // the common case (an id from the path, a small number) without BigInt
  if (typeof value === 'string' && value.length <= 15 && integerText.test(value)) {
    const n = Number(value);
    const range = column.range;
    if (range && (n < Number(range[0]) || n > Number(range[1])))
      fail(property, `must be an integer${rangeText(column)}`);
    return n;
  }
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) fail(property, 'must be an integer');
    if (!Number.isSafeInteger(value)) fail(property, `must be an integer${rangeText(column)}`);
    big = BigInt(value);
  } else if (typeof value === 'string' && integerText.test(value)) {
    big = BigInt(value);
  } else {
    return fail(property, 'must be an integer');
  }
  const range = column.range;
  if (range && (big < range[0] || big > range[1])) fail(property, `must be an integer${rangeText(column)}`);
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big.toString();
}

function rangeText(column: ColumnInfo): string {
  return column.range ? ` between ${column.range[0]} and ${column.range[1]}` : '';
}

function decimalValue(column: ColumnInfo, value: unknown, property: string): string {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value;
  else return fail(property, 'must be a decimal number');
  const match = decimalText.exec(text);
  if (!match) return fail(property, 'must be a decimal number');
  const whole = (match[1] as string).replace(/^0+(?=\d)/, '');
  if (column.precision !== null) {
    const scale = column.scale ?? 0;
    const allowed = column.precision - scale;
    if ((whole === '0' ? 0 : whole.length) > allowed) {
      fail(property, `must have at most ${allowed} digits before the decimal point`);
    }
  }
  return text;
}

function booleanValue(value: unknown, property: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return fail(property, 'must be a boolean');
}

function stringValue(column: ColumnInfo, value: unknown, property: string): string {
  if (typeof value !== 'string') return fail(property, 'must be a string');
  if (value.includes('\u0000')) fail(property, 'must not contain NUL characters');
  const max = column.length;
  // length counts characters (code points), as VARCHAR(n) does; the cheap check first
  if (max !== null && value.length > max && [...value].length > max) {
    fail(property, `must not be longer than ${max} characters`);
  }
  return value;
}

const dateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch of an ISO 8601 / SQL date-time; a time without zone is UTC. */
export function parseDateTime(text: string): number | null {
  const m = dateTimePattern.exec(text.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const millis = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  let offset = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return null;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  return utc - offset * 60_000;
}

function dateValue(value: unknown, property: string): string {
  if (typeof value !== 'string') return fail(property, 'must be a date (YYYY-MM-DD)');
  const millis = parseDateTime(value);
  if (millis === null) return fail(property, 'must be a date (YYYY-MM-DD)');
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(millis).toISOString().slice(0, 10);
}

function datetimeValue(column: ColumnInfo, value: unknown, dialect: SqlDialect, property: string): string {
  if (typeof value !== 'string') return fail(property, 'must be a date-time (RFC 3339)');
  const millis = parseDateTime(value);
  if (millis === null || millis < -62135596800000 || millis > 253402300799999) {
    return fail(property, 'must be a date-time (RFC 3339)');
  }
  const iso = new Date(millis).toISOString();
  if (dialect === 'postgres' && column.type === 'datetimetz') return iso;
  // naive columns store UTC wall-clock time, written the way the database writes it
  const sqlText = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return sqlText.endsWith('.000') ? sqlText.slice(0, 19) : sqlText;
}

// ---------------------------------------------------------------- output

export type OutputConverter = (value: unknown) => unknown;

const toBase64: OutputConverter = (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
const toBoolean: OutputConverter = (v) => (v === null || typeof v === 'boolean' ? v : Number(v) !== 0);
const toJson: OutputConverter = (v) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};
const toIsoDateTime: OutputConverter = (v) => {
  if (typeof v !== 'string') return v instanceof Date ? v.toISOString() : v;
  const match = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(v);
  return match ? `${match[1]}T${match[2]}Z` : v;
};
const toExactNumber: OutputConverter = (v) => (typeof v === 'string' ? exactNumber(v) : v);

/**
 * How a column's value must be changed for the JSON answer, or null when it goes out as the driver
 * returns it (PostgreSQL's type parsers already do the work, so most columns need nothing).
 */
export function outputConverter(column: ColumnInfo, dialect: SqlDialect): OutputConverter | null {
  if (dialect === 'postgres') return null;
  switch (column.kind) {
    case 'boolean':
      return toBoolean;
    case 'binary':
      return toBase64;
    case 'json':
      return toJson;
    case 'decimal':
      return toExactNumber;
    case 'datetime':
      // MySQL and SQLite keep naive `YYYY-MM-DD HH:MM:SS`: shown as RFC 3339 in UTC, as PostgreSQL's are
      return toIsoDateTime;
    default:
      return null;
  }
}

/** The converter of a whole row: null when no column needs one (the common case costs nothing). */
export function rowConverter(
  columns: readonly { key: string; column: ColumnInfo }[],
  dialect: SqlDialect,
): ((row: SqlRow) => SqlRow) | null {
  const steps: [string, OutputConverter][] = [];
  for (const { key, column } of columns) {
    const convert = outputConverter(column, dialect);
    if (convert) steps.push([key, convert]);
  }
  if (steps.length === 0) return null;
  return (row) => {
    for (const [key, convert] of steps) {
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = convert(value);
    }
    return row;
  };
}

/** For rows of free SQL (no table metadata): binary as base64, dates as ISO strings, bigints exact. */
export function plainRow(row: SqlRow): SqlRow {
  for (const key in row) {
    const value = row[key];
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint') row[key] = exactNumber(value.toString());
      continue;
    }
    if (Buffer.isBuffer(value)) row[key] = value.toString('base64');
    else if (value instanceof Date) row[key] = value.toISOString();
  }
  return row;
}
