import type { IncomingHttpHeaders } from 'node:http';
import type { PlanRow } from '../plans/tables.js';

/** The buyer, as a provider needs to know them. */
export interface Customer {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
  /** the provider's customer id, once there is one */
  readonly externalId: string | null;
}

export interface CheckoutRequest {
  readonly plan: PlanRow;
  readonly customer: Customer;
  /** where the buyer returns to after paying (and after cancelling) */
  readonly returnUrl: string;
  /** ISO 4217, e.g. EUR */
  readonly currency: string;
  /** this installation's public URL: a shared provider account may serve several */
  readonly domain: string;
  /**
   * Keeps the provider's customer id created for a buyer who had none; resolves to the id to use (another
   * checkout of the same buyer may have stored one first)
   */
  saveCustomerId(customerId: string): Promise<string>;
}

/** What a verified webhook event means for the platform, independent of the provider. */
export type PaymentAction =
  /** a checkout finished and is paid: a one-time plan is credited now, a subscription waits for its invoice */
  | {
      readonly kind: 'checkout-completed';
      readonly userId: number;
      readonly planId: number;
      readonly customerId: string;
      /** minor units */
      readonly amount: number;
      readonly sessionId: string;
    }
  /** a subscription's invoice was paid: one period's points */
  | {
      readonly kind: 'invoice-paid';
      readonly customerId: string;
      /** from the subscription's metadata, when the checkout put it there */
      readonly userId: number | null;
      readonly planId: number | null;
      readonly amount: number;
      readonly invoiceId: string;
      readonly periodStart: number;
      readonly periodEnd: number;
    }
  /** a subscription could not be paid or ended: the user loses the plan */
  | { readonly kind: 'subscription-ended'; readonly customerId: string };

export interface PaymentEvent {
  /** the provider's event id: an event applied once is never applied again */
  readonly id: string;
  readonly type: string;
  /** null for events that change nothing here */
  readonly action: PaymentAction | null;
}

export interface WebhookRequest {
  readonly rawBody: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** this installation's public URL: events of checkouts another installation started are ignored */
  readonly domain: string;
}

/**
 * A payment provider: Fusio's checkout and portal calls and its webhook. Implementations talk to the
 * provider; crediting points and writing transactions happens in one place (`applyPaymentEvent`).
 */
export interface PaymentProvider {
  /** the `:provider` path segment, e.g. stripe */
  readonly name: string;
  /** a URL the buyer is sent to, to pay for the plan */
  checkout(request: CheckoutRequest): Promise<string>;
  /** a URL where the buyer manages their subscription and payment methods */
  portal(customer: Customer, returnUrl: string): Promise<string>;
  /** verifies a webhook call (throws a 400 PorticoError when it is not genuine) and reads its event */
  parseWebhook(request: WebhookRequest): PaymentEvent;
}

/** The payment providers of an installation, by name. */
export class PaymentProviders {
  private readonly byName = new Map<string, PaymentProvider>();

  constructor(providers: readonly PaymentProvider[] = []) {
    for (const provider of providers) this.register(provider);
  }

  register(provider: PaymentProvider): void {
    this.byName.set(provider.name.toLowerCase(), provider);
  }

  get(name: string): PaymentProvider | undefined {
    return this.byName.get(name.toLowerCase());
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}
