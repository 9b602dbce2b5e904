import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, sign, signedHeaders, verifyWebhook } from './signing.js';

describe('Standard Webhooks signatures', () => {
  it('matches the specification’s example', () => {
    // test vector from the Standard Webhooks reference libraries
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    expect(sign(secret, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs id.timestamp.body with the decoded secret, and receivers verify it', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ order: 7 });
    const now = Date.now();
    const headers = signedHeaders(secret, 'msg_abc', body, now);
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`msg_abc.${Math.floor(now / 1000)}.${body}`)
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(verifyWebhook(secret, { ...headers }, body, 300, now)).toBe(true);
  });

  it('refuses a changed body, another secret, an old timestamp and a missing header', () => {
    const secret = generateWebhookSecret();
    const now = Date.now();
    const headers = { ...signedHeaders(secret, 'msg_1', '{"a":1}', now) };
    expect(verifyWebhook(secret, headers, '{"a":2}', 300, now)).toBe(false);
    expect(verifyWebhook(generateWebhookSecret(), headers, '{"a":1}', 300, now)).toBe(false);
    expect(verifyWebhook(secret, headers, '{"a":1}', 300, now + 301_000)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': undefined }, '{"a":1}', 300, now)).toBe(false);
  });

  it('accepts one valid signature among several (secret rotation)', () => {
    const secret = generateWebhookSecret();
    const now = Date.now();
    const headers = signedHeaders(secret, 'msg_2', 'x', now);
    const both = { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` };
    expect(verifyWebhook(secret, both, 'x', 300, now)).toBe(true);
  });
});
