import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stripeForm } from './stripe-form.js';
import { verifyStripeSignature } from './stripe-signature.js';

const secret = 'whsec_unit';
const payload = Buffer.from('{"id":"evt_1","type":"invoice.paid"}');
const sign = (t: number, body = payload, key = secret) =>
  createHmac('sha256', key).update(`${t}.`).update(body).digest('hex');

describe('verifyStripeSignature', () => {
  const now = 1_900_000_000;

  it('accepts a signature over the payload within the tolerance, with any of several v1 and secrets', () => {
    expect(verifyStripeSignature(payload, `t=${now},v1=${sign(now)}`, [secret], now)).toEqual({ ok: true });
    expect(verifyStripeSignature(payload, `t=${now - 299},v1=${sign(now - 299)}`, [secret], now)).toEqual({ ok: true });
    expect(
      verifyStripeSignature(payload, `t=${now},v1=${'0'.repeat(64)},v1=${sign(now)},v0=abc`, [secret], now),
    ).toEqual({ ok: true });
    expect(
      verifyStripeSignature(payload, `t=${now},v1=${sign(now, payload, 'whsec_old')}`, ['whsec_new', 'whsec_old'], now),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses other payloads, secrets, old timestamps and malformed headers', () => {
    const refused = (header: string | undefined, body = payload) => verifyStripeSignature(body, header, [secret], now);
    expect(refused(`t=${now},v1=${sign(now)}`, Buffer.from('{"id":"evt_2"}'))).toMatchObject({ ok: false });
    expect(refused(`t=${now},v1=${sign(now, payload, 'whsec_other')}`)).toMatchObject({ ok: false });
    expect(refused(`t=${now - 301},v1=${sign(now - 301)}`)).toEqual({
      ok: false,
      reason: 'The signature timestamp is outside the tolerance',
    });
    expect(refused(`t=${now + 301},v1=${sign(now + 301)}`)).toMatchObject({ ok: false });
    expect(refused(undefined)).toEqual({ ok: false, reason: 'Missing Stripe-Signature header' });
    expect(refused(`v1=${sign(now)}`)).toEqual({ ok: false, reason: 'Stripe-Signature has no timestamp' });
    expect(refused(`t=${now},v0=${sign(now)}`)).toEqual({ ok: false, reason: 'Stripe-Signature has no v1 signature' });
    // the signature of another timestamp does not become valid by changing t
    expect(refused(`t=${now},v1=${sign(now - 1)}`)).toMatchObject({ ok: false });
  });
});

describe('stripeForm', () => {
  it("encodes nested objects and arrays the way Stripe's API reads them", () => {
    const form = new URLSearchParams(
      stripeForm({
        mode: 'payment',
        line_items: [{ price_data: { currency: 'eur', unit_amount: 999 }, quantity: 1 }],
        metadata: { user_id: '4' },
        customer: undefined,
        skip: null,
      }),
    );
    expect([...form.entries()]).toEqual([
      ['mode', 'payment'],
      ['line_items[0][price_data][currency]', 'eur'],
      ['line_items[0][price_data][unit_amount]', '999'],
      ['line_items[0][quantity]', '1'],
      ['metadata[user_id]', '4'],
    ]);
  });
});
