import { Agent, type Dispatcher, errors as undiciErrors } from 'undici';
import { badRequest, PorticoError, serviceUnavailable } from '../errors.js';
import { isSubscription } from '../plans/tables.js';
import type {
  CheckoutRequest,
  Customer,
  PaymentAction,
  PaymentEvent,
  PaymentProvider,
  WebhookRequest,
} from './provider.js';
import { type FormValue, stripeForm } from './stripe-form.js';
import { verifyStripeSignature } from './stripe-signature.js';

/** Where the Stripe provider reads its settings (the config table). */
export interface StripeSettings {
  string(name: string): string;
}

export const stripeApiUrl = 'https://api.stripe.com';
const apiVersion = '2024-06-20';

export interface StripeOptions {
  /** seconds a webhook signature stays valid */
  toleranceSeconds?: number;
  timeoutMs?: number;
  now?: () => number;
}

type Json = Record<string, unknown>;

/** Any Stripe key or webhook secret in a message Stripe sent back, so it never reaches a client or a log. */
function redact(text: string): string {
  return text.replace(/\b(sk|rk|pk|whsec)_[A-Za-z0-9_*]+/g, '$1_***');
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function int(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** The customer id of an object: Stripe sends an id, or the customer object when it was expanded. */
function customerOf(value: unknown): string | null {
  return str(value) ?? str(obj(value).id);
}

/**
 * Stripe over its REST API with plain HTTP (no SDK): Checkout Sessions for buying a plan, Billing Portal
 * sessions for managing it, Customers so each user has one Stripe customer, and signed webhooks.
 * Settings: payment_stripe_secret (API key), payment_stripe_webhook_secret (whsec_…, several comma-separated
 * while rolling), payment_stripe_portal_configuration, payment_stripe_api_url (a stand-in in tests).
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly settings: StripeSettings,
    options: StripeOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.toleranceSeconds = options.toleranceSeconds ?? 300;
    this.now = options.now ?? Date.now;
    this.dispatcher = new Agent({ connectTimeout: 5_000, keepAliveTimeout: 30_000 });
  }

  async checkout(request: CheckoutRequest): Promise<string> {
    const { plan, customer } = request;
    const subscription = isSubscription(plan);
    const customerId = customer.externalId ?? (await request.saveCustomerId(await this.createCustomer(customer)));
    const item: Record<string, FormValue> = plan.external_id
      ? { price: plan.external_id, quantity: 1 }
      : {
          price_data: {
            currency: request.currency.toLowerCase(),
            product_data: { name: plan.name },
            unit_amount: plan.price,
            ...(subscription ? { recurring: { interval: 'month' } } : {}),
          },
          quantity: 1,
        };
    const metadata = { user_id: String(customer.id), product_id: String(plan.id), domain: request.domain };
    const separator = request.returnUrl.includes('?') ? '&' : '?';
    const session = await this.call('POST', '/v1/checkout/sessions', {
      mode: subscription ? 'subscription' : 'payment',
      line_items: [item],
      customer: customerId,
      client_reference_id: String(customer.id),
      success_url: `${request.returnUrl}${separator}session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: request.returnUrl,
      metadata,
      // the subscription's invoices carry these, so a paid invoice finds its user and plan whatever the order
      ...(subscription ? { subscription_data: { metadata } } : {}),
    });
    const url = str(session.url);
    if (!url) throw new PorticoError('BAD_GATEWAY', 'Stripe returned a checkout session without a URL');
    return url;
  }

  async portal(customer: Customer, returnUrl: string): Promise<string> {
    if (!customer.externalId) throw badRequest('There is no billing account for you yet: purchase a plan first');
    const configuration = this.settings.string('payment_stripe_portal_configuration');
    const session = await this.call('POST', '/v1/billing_portal/sessions', {
      customer: customer.externalId,
      return_url: returnUrl,
      ...(configuration ? { configuration } : {}),
    });
    const url = str(session.url);
    if (!url) throw new PorticoError('BAD_GATEWAY', 'Stripe returned a portal session without a URL');
    return url;
  }

  private async createCustomer(customer: Customer): Promise<string> {
    const created = await this.call(
      'POST',
      '/v1/customers',
      {
        name: customer.name,
        email: customer.email ?? undefined,
        metadata: { user_id: String(customer.id) },
      },
      // a retried or concurrent first checkout gets the same customer back instead of a second one
      `portico-customer-${customer.id}`,
    );
    const id = str(created.id);
    if (!id) throw new PorticoError('BAD_GATEWAY', 'Stripe returned a customer without an id');
    return id;
  }

  parseWebhook(request: WebhookRequest): PaymentEvent {
    const secrets = this.settings
      .string('payment_stripe_webhook_secret')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (secrets.length === 0) throw serviceUnavailable('The Stripe webhook secret is not configured');
    const header = request.headers['stripe-signature'];
    const check = verifyStripeSignature(
      request.rawBody,
      Array.isArray(header) ? header[0] : header,
      secrets,
      Math.floor(this.now() / 1000),
      this.toleranceSeconds,
    );
    if (!check.ok) throw badRequest(`Invalid webhook signature: ${check.reason}`);
    let event: Json;
    try {
      event = obj(JSON.parse(request.rawBody.toString('utf8')));
    } catch {
      throw badRequest('Webhook body is not valid JSON');
    }
    const id = str(event.id);
    const type = str(event.type);
    if (!id || !type) throw badRequest('Webhook event has no id or type');
    return { id, type, action: actionOf(type, obj(obj(event.data).object), request.domain) };
  }

  /** One call to Stripe's API; Stripe's refusals become 502, an unreachable or slow Stripe 502/504. */
  private async call(method: 'POST', path: string, params: Record<string, FormValue>, idempotencyKey?: string) {
    const secret = this.settings.string('payment_stripe_secret');
    if (!secret) throw serviceUnavailable('The payment provider stripe is not configured');
    let base: URL;
    try {
      base = new URL(this.settings.string('payment_stripe_api_url') || stripeApiUrl);
    } catch {
      throw serviceUnavailable('The payment provider stripe is not configured: payment_stripe_api_url is not a URL');
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${secret}`,
      'content-type': 'application/x-www-form-urlencoded',
      'stripe-version': apiVersion,
    };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let status: number;
    let text: string;
    try {
      const response = await this.dispatcher.request({
        origin: base.origin,
        path: `${base.pathname.replace(/\/+$/, '')}${path}`,
        method,
        headers,
        body: stripeForm(params),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new PorticoError('GATEWAY_TIMEOUT', 'Stripe did not answer in time', {}, { cause: error });
      }
      throw new PorticoError('BAD_GATEWAY', 'Stripe could not be reached', {}, { cause: error });
    }
    let body: Json;
    try {
      body = obj(JSON.parse(text));
    } catch {
      throw new PorticoError('BAD_GATEWAY', `Stripe answered ${status} with a body that is not JSON`);
    }
    if (status < 200 || status >= 300) {
      const message = str(obj(body.error).message) ?? `status ${status}`;
      throw new PorticoError('BAD_GATEWAY', `Stripe refused the request: ${redact(message)}`);
    }
    return body;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The metadata Portico's checkout put on a session or subscription; `ours` is false for another installation's. */
function checkoutMetadata(metadata: Json, domain: string) {
  const userId = int(metadata.user_id);
  const planId = int(metadata.product_id);
  const ours = str(metadata.domain) === null || str(metadata.domain) === domain;
  return { userId, planId, ours };
}

function actionOf(type: string, object: Json, domain: string): PaymentAction | null {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      // a delayed payment method completes the session unpaid; it is credited on async_payment_succeeded
      const paid = object.payment_status === 'paid' || object.payment_status === 'no_payment_required';
      const meta = checkoutMetadata(obj(object.metadata), domain);
      const sessionId = str(object.id);
      const customerId = customerOf(object.customer);
      if (!paid || !meta.ours || meta.userId === null || meta.planId === null || !sessionId || !customerId) return null;
      return {
        kind: 'checkout-completed',
        userId: meta.userId,
        planId: meta.planId,
        customerId,
        amount: int(object.amount_total) ?? 0,
        sessionId,
      };
    }
    case 'invoice.paid':
    case 'invoice.payment_succeeded': {
      const invoiceId = str(object.id);
      const customerId = customerOf(object.customer);
      if (!invoiceId || !customerId) return null;
      const lines = Array.isArray(obj(object.lines).data) ? (obj(object.lines).data as unknown[]) : [];
      let periodStart: number | null = null;
      let periodEnd: number | null = null;
      for (const line of lines) {
        const period = obj(obj(line).period);
        const start = int(period.start);
        const end = int(period.end);
        if (start !== null) periodStart = start * 1000;
        if (end !== null) periodEnd = end * 1000;
      }
      // API versions differ in where the subscription's metadata sits on an invoice
      const details = obj(object.subscription_details ?? obj(object.parent).subscription_details);
      const meta = checkoutMetadata(obj(details.metadata), domain);
      if (!meta.ours) return null;
      const created = (int(object.created) ?? 0) * 1000;
      return {
        kind: 'invoice-paid',
        customerId,
        userId: meta.userId,
        planId: meta.planId,
        amount: int(object.amount_paid) ?? 0,
        invoiceId,
        periodStart: periodStart ?? created,
        periodEnd: periodEnd ?? created,
      };
    }
    case 'invoice.payment_failed':
    case 'customer.subscription.deleted': {
      const customerId = customerOf(object.customer);
      return customerId ? { kind: 'subscription-ended', customerId } : null;
    }
    default:
      return null;
  }
}
