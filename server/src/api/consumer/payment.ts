import type {
  ConsumerPaymentCheckoutRequest,
  ConsumerPaymentCheckoutResponse,
  ConsumerPaymentPortalRequest,
  ConsumerPaymentPortalResponse,
} from 'fusio-sdk';
import { revokeTokensBeyondRights } from '../../auth/rights.js';
import { badRequest } from '../../errors.js';
import { appsUrl } from '../../mail/templates.js';
import type { Customer, PaymentProvider } from '../../payments/provider.js';
import { findUser } from '../../users/repository.js';
import type { Platform } from '../platform.js';
import type { SystemCall } from '../system-operation.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

function providerOf(call: SystemCall): PaymentProvider {
  const provider = call.platform.payments.get(String(call.request.params.provider ?? ''));
  if (!provider) throw badRequest('Provider is not available');
  return provider;
}

function returnUrlOf(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048) throw badRequest('Invalid return url');
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw badRequest('Invalid return url');
}

async function customerOf(platform: Platform, userId: number): Promise<Customer> {
  const user = await findUser(platform, { id: userId });
  return { id: user.id, name: user.name, email: user.email, externalId: user.external_id };
}

/** Stores a new provider customer id unless another checkout stored one first; the id to use either way. */
async function saveCustomerId(platform: Platform, userId: number, customerId: string): Promise<string> {
  await platform.db
    .updateTable('users')
    .set({ external_id: customerId })
    .where('id', '=', userId)
    .where('external_id', 'is', null)
    .execute();
  const row = await platform.db.selectFrom('users').select('external_id').where('id', '=', userId).executeTakeFirst();
  return row?.external_id ?? customerId;
}

export const consumerPaymentOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.payment.checkout',
    method: 'POST',
    path: '/consumer/payment/:provider/checkout',
    description: 'Starts buying a plan; answers the URL where the developer pays',
    incoming: {
      type: 'object',
      properties: { planId: { type: ['integer', 'null'] }, returnUrl: { type: ['string', 'null'] } },
    },
    async handler(call): Promise<ConsumerPaymentCheckoutResponse> {
      const { platform } = call;
      const provider = providerOf(call);
      const body = (call.request.body ?? {}) as ConsumerPaymentCheckoutRequest;
      if (body.planId === undefined || body.planId === null) throw badRequest('No plan id provided');
      const plan = await platform.db.selectFrom('plans').selectAll().where('id', '=', body.planId).executeTakeFirst();
      if (!plan) throw badRequest('Invalid plan id');
      const returnUrl = returnUrlOf(body.returnUrl);
      const userId = currentUserId(call);
      if (plan.price === 0) {
        // nothing to pay: the plan is the developer's at once, its points follow from the renewal of free plans
        await platform.db.updateTable('users').set({ plan_id: plan.id }).where('id', '=', userId).execute();
        // the rate limits of every node follow the user's new plan
        await platform.configChanged(['user']);
        // the old plan's scopes leave with it
        await revokeTokensBeyondRights(platform.db, platform.tokens, { userId });
        await platform.points.renewFreePlans(Date.now(), userId);
        return { approvalUrl: returnUrl };
      }
      const approvalUrl = await provider.checkout({
        plan,
        customer: await customerOf(platform, userId),
        returnUrl,
        currency: platform.settings.string('payment_currency') || 'EUR',
        domain: platform.config.publicUrl,
        saveCustomerId: (customerId) => saveCustomerId(platform, userId, customerId),
      });
      return { approvalUrl };
    },
  }),
  systemOperation({
    name: 'consumer.payment.portal',
    method: 'POST',
    path: '/consumer/payment/:provider/portal',
    description: 'A link to the payment provider where the developer manages subscription and payment methods',
    incoming: { type: 'object', properties: { returnUrl: { type: ['string', 'null'] } } },
    async handler(call): Promise<ConsumerPaymentPortalResponse> {
      const { platform } = call;
      const provider = providerOf(call);
      const body = (call.request.body ?? {}) as ConsumerPaymentPortalRequest;
      const returnUrl =
        body.returnUrl === undefined || body.returnUrl === null || body.returnUrl === ''
          ? `${appsUrl(platform.config.publicUrl)}/developer`
          : returnUrlOf(body.returnUrl);
      const redirectUrl = await provider.portal(await customerOf(platform, currentUserId(call)), returnUrl);
      return { redirectUrl };
    },
  }),
];
