import { describe, expect, it } from 'vitest';
import { isUniqueViolation, PorticoError, renderError } from './errors.js';

describe('rendering errors', () => {
  it('keeps the status and message of a PorticoError', () => {
    expect(renderError(new PorticoError('NOT_FOUND', 'Could not find app'), false)).toEqual({
      status: 404,
      headers: {},
      body: { success: false, title: 'Not Found', message: 'Could not find app' },
    });
  });

  it('hides internals of unexpected errors unless debugging', () => {
    const plain = renderError(new Error('password=hunter2'), false);
    expect(plain.status).toBe(500);
    expect(JSON.stringify(plain.body)).not.toContain('hunter2');
    const debug = renderError(new Error('password=hunter2'), true);
    expect(debug.body.message).toContain('hunter2');
    expect(debug.body.trace).toContain('errors.test.ts');
  });

  it('turns a unique-index violation on any dialect into 409', () => {
    for (const error of [
      { code: '23505' },
      { code: 'ER_DUP_ENTRY', errno: 1062 },
      { code: 'SQLITE_CONSTRAINT_UNIQUE' },
    ]) {
      expect(isUniqueViolation(error)).toBe(true);
      expect(renderError(Object.assign(new Error('duplicate key'), error), false).status).toBe(409);
    }
    expect(isUniqueViolation({ code: '23503' })).toBe(false);
  });

  it('passes on client errors from Fastify with a readable message', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(renderError(tooLarge, false)).toMatchObject({ status: 413, body: { title: 'Payload Too Large' } });
  });
});
