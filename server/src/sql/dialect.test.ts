import { describe, expect, it } from 'vitest';
import {
  escapeLike,
  isSafeName,
  literal,
  placeholders,
  quoteIdentifier,
  quoteTable,
  tableName,
  trimStatement,
} from './dialect.js';

describe('SQL dialect helpers', () => {
  it('quotes a table in another schema or database as two identifiers', () => {
    expect(quoteTable('postgres', 'legacy.servers')).toBe('"legacy"."servers"');
    expect(quoteTable('mysql', 'legacy.servers')).toBe('`legacy`.`servers`');
    expect(quoteTable('postgres', 'we"ird.t"x')).toBe('"we""ird"."t""x"');
    expect(quoteTable('postgres', 'servers')).toBe('"servers"');
    expect(quoteTable('sqlite', 'legacy.servers')).toBe('"legacy.servers"');
    expect(tableName('postgres', 'a.b.c')).toEqual({ schema: 'a', table: 'b.c' });
    expect(tableName('postgres', '.servers')).toEqual({ schema: null, table: '.servers' });
    expect(tableName('mysql', 'servers.')).toEqual({ schema: null, table: 'servers.' });
  });

  it('quotes identifiers by doubling the quote character', () => {
    expect(quoteIdentifier('postgres', 'we"ird')).toBe('"we""ird"');
    expect(quoteIdentifier('sqlite', 'news')).toBe('"news"');
    expect(quoteIdentifier('mysql', 'a`b')).toBe('`a``b`');
    expect(() => quoteIdentifier('mysql', 'a\u0000')).toThrow();
  });

  it('renders literals that cannot break out of their quotes', () => {
    expect(literal('postgres', "it's")).toBe("'it''s'");
    expect(literal('mysql', "\\'; DROP TABLE x; --")).toBe("'\\\\''; DROP TABLE x; --'");
    expect(literal('postgres', true)).toBe('TRUE');
    expect(literal('sqlite', false)).toBe('0');
    expect(literal('mysql', 1.5)).toBe('1.5');
    expect(() => literal('mysql', Number.NaN)).toThrow();
    expect(() => literal('mysql', { a: 1 })).toThrow();
  });

  it('numbers placeholders for PostgreSQL only', () => {
    expect(placeholders('postgres', 3, 2)).toBe('$2, $3, $4');
    expect(placeholders('mysql', 2)).toBe('?, ?');
  });

  it('escapes LIKE wildcards and accepts only plain names', () => {
    expect(escapeLike('50%_off!')).toBe('50!%!_off!!');
    expect(isSafeName('app_news')).toBe(true);
    expect(isSafeName('x"; DROP')).toBe(false);
    expect(isSafeName('1abc')).toBe(false);
    expect(trimStatement('SELECT 1;  \n')).toBe('SELECT 1');
  });
});
