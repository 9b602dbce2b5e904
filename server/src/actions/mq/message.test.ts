import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionRequest } from '../../plugins/action.js';
import { messageEnvelope, messageFromRequest, messageHeaders } from './message.js';

function request(body: unknown, contentType?: string): ActionRequest {
  return {
    method: 'POST',
    path: '/orders',
    params: {},
    query: {},
    headers: contentType ? { 'content-type': contentType } : {},
    body,
    ip: '127.0.0.1',
    requestId: 'req-1',
  };
}

const user = { anonymous: false, id: 7, name: 'ann' };
const context = {
  operation: { id: 1, name: 'orders.create' },
  user,
  app: { anonymous: false, id: 3, key: 'k' },
  requestId: 'req-1',
} as unknown as ActionContext;
const anonymous = {
  ...context,
  user: { anonymous: true, id: 0, name: 'anonymous' },
  app: { anonymous: true, id: 0, key: '' },
} as unknown as ActionContext;

describe('a request as a queue message', () => {
  it('sends JSON as JSON, with a fresh id and the caller', () => {
    const a = messageFromRequest(request({ sku: 'A' }, 'application/json'), context);
    const b = messageFromRequest(request({ sku: 'A' }, 'application/json'), context);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.id).not.toBe(a.id);
    expect(a.body.toString()).toBe('{"sku":"A"}');
    expect(messageHeaders(a)).toMatchObject({
      'content-type': 'application/json',
      'message-id': a.id,
      operation: 'orders.create',
      'user-id': '7',
      'app-id': '3',
      'request-id': 'req-1',
    });
  });

  it('carries the path parameters, so a worker knows which thing a body-less command is for', () => {
    const m = messageFromRequest({ ...request(undefined), path: '/servers/7/shutdown', params: { id: '7' } }, context);
    expect(messageHeaders(m)['param-id']).toBe('7');
    expect(JSON.parse(messageEnvelope(m).toString())).toMatchObject({ params: { id: '7' }, body: {} });
  });

  it('sends {} without a body, as Fusio does, and leaves out an anonymous caller', () => {
    const m = messageFromRequest(request(undefined), anonymous);
    expect(m.body.toString()).toBe('{}');
    expect(messageHeaders(m)['user-id']).toBeUndefined();
    expect(JSON.parse(messageEnvelope(m).toString())).toMatchObject({ userId: null, appId: null, body: {} });
  });

  it('keeps text and bytes with their own content type; the envelope carries bytes as base64', () => {
    const text = messageFromRequest(request('hello', 'text/plain'), context);
    expect(text.contentType).toBe('text/plain');
    expect(JSON.parse(messageEnvelope(text).toString())).toMatchObject({ body: 'hello', contentType: 'text/plain' });

    const bytes = Buffer.from([0, 1, 2, 255]);
    const binary = messageFromRequest(request(bytes, 'application/octet-stream'), context);
    expect(binary.body.equals(bytes)).toBe(true);
    expect(JSON.parse(messageEnvelope(binary).toString())).toMatchObject({
      body: bytes.toString('base64'),
      encoding: 'base64',
      contentType: 'application/octet-stream',
    });
  });
});
