import { createHmac } from 'node:crypto';
import http from 'node:http';

/** One call Portico made to the stand-in. */
export interface StripeCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** the form body, as Stripe reads it (`line_items[0][price]` → value) */
  form: Record<string, string>;
}

export interface StripeStandIn {
  readonly url: string;
  readonly calls: StripeCall[];
  close(): Promise<void>;
}

/**
 * A local stand-in for the part of Stripe's REST API Portico uses: customers (with idempotency keys),
 * checkout sessions and billing portal sessions. It checks the secret key like Stripe does and answers
 * with Stripe's shapes and error bodies.
 */
export async function startStripeStandIn(secretKey: string): Promise<StripeStandIn> {
  const calls: StripeCall[] = [];
  const byIdempotencyKey = new Map<string, Record<string, unknown>>();
  let sequence = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const path = (req.url ?? '').split('?')[0] ?? '';
      calls.push({ method: req.method ?? '', path, headers: req.headers, form });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        send(401, {
          error: {
            type: 'invalid_request_error',
            message: `Invalid API Key provided: ${String(req.headers.authorization).slice(7, 15)}****`,
          },
        });
        return;
      }
      if (req.method !== 'POST') {
        send(404, {
          error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path})` },
        });
        return;
      }
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string' && byIdempotencyKey.has(`${path}|${key}`)) {
        send(200, byIdempotencyKey.get(`${path}|${key}`));
        return;
      }
      sequence += 1;
      let body: Record<string, unknown>;
      switch (path) {
        case '/v1/customers':
          body = { id: `cus_test${sequence}`, object: 'customer', email: form.email ?? null, name: form.name ?? null };
          break;
        case '/v1/checkout/sessions': {
          if (!form.success_url || !form.mode || !form['line_items[0][quantity]']) {
            send(400, { error: { type: 'invalid_request_error', message: 'Missing required param' } });
            return;
          }
          const id = `cs_test_${sequence}`;
          body = {
            id,
            object: 'checkout.session',
            mode: form.mode,
            customer: form.customer ?? null,
            url: `https://checkout.stripe.test/c/pay/${id}`,
          };
          break;
        }
        case '/v1/billing_portal/sessions': {
          const id = `bps_${sequence}`;
          body = {
            id,
            object: 'billing_portal.session',
            customer: form.customer,
            return_url: form.return_url,
            url: `https://billing.stripe.test/p/session/${id}`,
          };
          break;
        }
        default:
          send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (POST: ${path})` } });
          return;
      }
      if (typeof key === 'string') byIdempotencyKey.set(`${path}|${key}`, body);
      send(200, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `Stripe-Signature` header Stripe sends with a webhook: `t=<seconds>,v1=HMAC-SHA256(secret, "t.payload")`. */
export function stripeSignature(secret: string, payload: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

let eventSequence = 0;

/** A Stripe event as its webhook delivers it. */
export function stripeEvent(type: string, object: Record<string, unknown>, id?: string): string {
  eventSequence += 1;
  return JSON.stringify({
    id: id ?? `evt_test_${process.pid}_${eventSequence}_${Math.random().toString(36).slice(2, 8)}`,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
  });
}
