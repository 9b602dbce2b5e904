import { describe, expect, it } from 'vitest';
import { PorticoError } from '../errors.js';
import { exactNumber } from './numbers.js';
import type { ColumnInfo } from './table.js';
import { integerRange } from './table.js';
import { parseDateTime, plainRow, rowConverter, toColumnValue } from './values.js';

function column(overrides: Partial<ColumnInfo>): ColumnInfo {
  return {
    name: 'c',
    type: 'string',
    nativeType: 'varchar',
    kind: 'string',
    length: null,
    precision: null,
    scale: null,
    unsigned: false,
    fixed: false,
    notNull: false,
    autoIncrement: false,
    default: null,
    hasDefault: false,
    comment: null,
    range: null,
    ...overrides,
  };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).status).toBe(400);
    return (error as Error).message;
  }
  throw new Error('expected a 400');
}

describe('values going into a column', () => {
  const int = column({ kind: 'integer', type: 'integer', range: integerRange(32, false) });

  it('checks integers: type, safe range and the column range', () => {
    expect(toColumnValue(int, 42, 'postgres')).toBe(42);
    expect(toColumnValue(int, '-7', 'postgres')).toBe(-7);
    expect(message(() => toColumnValue(int, 1.5, 'postgres', 'age'))).toBe('Property age must be an integer');
    expect(message(() => toColumnValue(int, '1 OR 1=1', 'postgres', 'age'))).toBe('Property age must be an integer');
    expect(message(() => toColumnValue(int, 2 ** 31, 'postgres', 'age'))).toBe(
      'Property age must be an integer between -2147483648 and 2147483647',
    );
    const big = column({ kind: 'integer', range: integerRange(64, false) });
    expect(toColumnValue(big, '9223372036854775807', 'mysql')).toBe('9223372036854775807');
    expect(() => toColumnValue(big, '9223372036854775808', 'mysql')).toThrow(/between/);
    const unsigned = column({ kind: 'integer', range: integerRange(8, true) });
    expect(() => toColumnValue(unsigned, -1, 'mysql')).toThrow(/between 0 and 255/);
  });

  it('enforces NOT NULL with Fusio’s message', () => {
    expect(message(() => toColumnValue(column({ notNull: true }), null, 'sqlite', 'title'))).toBe(
      'Property title must not be null',
    );
    expect(toColumnValue(column({}), null, 'sqlite')).toBeNull();
  });

  it('counts string length in characters and refuses NUL', () => {
    const name = column({ length: 3 });
    expect(toColumnValue(name, '😀😀😀', 'postgres')).toBe('😀😀😀');
    expect(message(() => toColumnValue(name, 'abcd', 'postgres', 'n'))).toBe(
      'Property n must not be longer than 3 characters',
    );
    expect(() => toColumnValue(column({}), 'a\u0000b', 'postgres')).toThrow(/NUL/);
    expect(() => toColumnValue(column({}), 5, 'postgres')).toThrow(/must be a string/);
  });

  it('checks decimals against precision and scale, keeping them exact', () => {
    const price = column({ kind: 'decimal', precision: 5, scale: 2 });
    expect(toColumnValue(price, '123.45', 'mysql')).toBe('123.45');
    expect(toColumnValue(price, 0.1, 'mysql')).toBe('0.1');
    expect(() => toColumnValue(price, 1234.5, 'mysql')).toThrow(/at most 3 digits/);
    expect(() => toColumnValue(price, 1e21, 'mysql')).toThrow(/decimal number/);
  });

  it('reads booleans, dates and date-times the way each database stores them', () => {
    const flag = column({ kind: 'boolean' });
    expect(toColumnValue(flag, 'false', 'sqlite')).toBe(false);
    expect(() => toColumnValue(flag, 'yes', 'sqlite')).toThrow(/boolean/);
    const day = column({ kind: 'date' });
    expect(toColumnValue(day, '2024-02-29', 'postgres')).toBe('2024-02-29');
    expect(() => toColumnValue(day, '2023-02-29', 'postgres')).toThrow(/date/);
    const at = column({ kind: 'datetime', type: 'datetime' });
    expect(toColumnValue(at, '2026-11-28T10:00:00+02:00', 'mysql')).toBe('2026-11-28 08:00:00');
    expect(toColumnValue(at, '2026-11-28T10:00:00.250Z', 'postgres')).toBe('2026-11-28 10:00:00.250');
    const tz = column({ kind: 'datetime', type: 'datetimetz' });
    expect(toColumnValue(tz, '2026-11-28 10:00:00', 'postgres')).toBe('2026-11-28T10:00:00.000Z');
    expect(() => toColumnValue(at, '2026-13-01T00:00:00Z', 'mysql')).toThrow(/date-time/);
  });

  it('serializes JSON and decodes base64 binaries', () => {
    expect(toColumnValue(column({ kind: 'json' }), { a: [1] }, 'mysql')).toBe('{"a":[1]}');
    expect(toColumnValue(column({ kind: 'binary' }), 'aGk=', 'postgres')).toEqual(Buffer.from('hi'));
    expect(() => toColumnValue(column({ kind: 'binary' }), 'not base64!', 'postgres')).toThrow(/base64/);
    expect(() => toColumnValue(column({ kind: 'uuid' }), 'x', 'postgres')).toThrow(/UUID/);
  });

  it('parses RFC 3339 and SQL date-times, rejecting impossible ones', () => {
    expect(parseDateTime('2026-01-02 03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseDateTime('2026-01-02T03:04:05-01:30')).toBe(Date.UTC(2026, 0, 2, 4, 34, 5));
    expect(parseDateTime('2026-02-30')).toBeNull();
    expect(parseDateTime('yesterday')).toBeNull();
  });
});

describe('values coming out of a column', () => {
  it('converts only what the dialect needs', () => {
    const columns = [
      { key: 'flag', column: column({ kind: 'boolean' }) },
      { key: 'at', column: column({ kind: 'datetime' }) },
      { key: 'blob', column: column({ kind: 'binary' }) },
      { key: 'doc', column: column({ kind: 'json' }) },
      { key: 'name', column: column({}) },
    ];
    expect(rowConverter(columns, 'postgres')).toBeNull();
    const convert = rowConverter(columns, 'mysql');
    expect(
      convert?.({ flag: 1, at: '2026-01-02 03:04:05', blob: Buffer.from('hi'), doc: '{"a":1}', name: 'x' }),
    ).toEqual({ flag: true, at: '2026-01-02T03:04:05Z', blob: 'aGk=', doc: { a: 1 }, name: 'x' });
  });

  it('keeps big numbers exact', () => {
    expect(exactNumber('12.50')).toBe(12.5);
    expect(exactNumber('9007199254740993')).toBe('9007199254740993');
    expect(plainRow({ b: Buffer.from('hi'), d: new Date(0), n: 5n })).toEqual({
      b: 'aGk=',
      d: '1970-01-01T00:00:00.000Z',
      n: 5,
    });
  });
});
