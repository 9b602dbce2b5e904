import { describe, expect, it } from 'vitest';
import { PorticoError } from '../errors.js';
import { isDeadlock, isSchemaDrift, isUniqueViolation, mapSqlError } from './errors.js';

function statusOf(error: unknown, dialect: 'postgres' | 'mysql' | 'sqlite'): number | undefined {
  const mapped = mapSqlError(error, dialect);
  return mapped instanceof PorticoError ? mapped.status : undefined;
}

describe('driver errors become the answer a client should get', () => {
  it('maps PostgreSQL SQLSTATEs', () => {
    const duplicate = mapSqlError({ code: '23505', detail: 'Key (email)=(a@b.c) already exists.' }, 'postgres');
    expect(duplicate).toMatchObject({ status: 409, message: 'An entry with the same email already exists' });
    expect(mapSqlError({ code: '23502', column: 'title' }, 'postgres')).toMatchObject({
      status: 400,
      message: 'Property title must not be null',
    });
    expect(statusOf({ code: '22P02', message: 'invalid input syntax for type integer' }, 'postgres')).toBe(400);
    expect(statusOf({ code: '57014' }, 'postgres')).toBe(504);
    expect(statusOf({ code: '57P01' }, 'postgres')).toBe(503);
    expect(statusOf({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:5432' }, 'postgres')).toBe(503);
    expect(statusOf(new Error('Connection terminated unexpectedly'), 'postgres')).toBe(503);
    // a syntax error in configured SQL is the server's problem: left as it is (500)
    const syntax = { code: '42601', message: 'syntax error' };
    expect(mapSqlError(syntax, 'postgres')).toBe(syntax);
  });

  it('maps MySQL and SQLite codes', () => {
    expect(
      mapSqlError({ code: 'ER_DUP_ENTRY', sqlMessage: "Duplicate entry 'x' for key 'news.email'" }, 'mysql'),
    ).toMatchObject({
      status: 409,
      message: 'An entry with the same email already exists',
    });
    expect(statusOf({ code: 'ER_DATA_TOO_LONG', sqlMessage: "Data too long for column 'title'" }, 'mysql')).toBe(400);
    expect(statusOf({ code: 'PROTOCOL_CONNECTION_LOST' }, 'mysql')).toBe(503);
    expect(statusOf({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }, 'mysql')).toBe(504);
    expect(
      mapSqlError({ code: 'SQLITE_CONSTRAINT_NOTNULL', message: 'NOT NULL constraint failed: news.title' }, 'sqlite'),
    ).toMatchObject({ status: 400, message: 'Property title must not be null' });
    expect(
      statusOf({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed: news.email' }, 'sqlite'),
    ).toBe(409);
  });

  it('recognises stale metadata and deadlocks, also inside a mapped error', () => {
    expect(isSchemaDrift({ code: '42703' })).toBe(true);
    expect(isSchemaDrift({ code: 'ER_BAD_FIELD_ERROR' })).toBe(true);
    expect(isSchemaDrift({ code: 'SQLITE_ERROR', message: 'no such column: x' })).toBe(true);
    expect(isSchemaDrift({ code: '23505' })).toBe(false);
    expect(isDeadlock(mapSqlError({ code: 'ER_LOCK_DEADLOCK' }, 'mysql'))).toBe(true);
    expect(isDeadlock({ code: '23505' })).toBe(false);
  });

  it('recognises a unique key refusing a row, in each driver', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'ER_DUP_ENTRY' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(true);
    expect(isUniqueViolation({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })).toBe(false);
    expect(isUniqueViolation({ code: '40P01' })).toBe(false);
  });
});
