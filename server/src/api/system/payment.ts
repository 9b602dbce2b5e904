import type { CommonMessage } from 'fusio-sdk';
import { badRequest, serviceUnavailable } from '../../errors.js';
import { applyPaymentEvent } from '../../payments/apply.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * Where a payment provider reports payments (Stripe's webhook endpoint). The event is verified by the
 * provider (a bad signature is 400 and changes nothing) and applied once, however often it is delivered.
 */
export const systemPaymentOperations: SystemOperation[] = [
  systemOperation({
    name: 'system.payment.webhook',
    method: 'POST',
    path: '/system/payment/:provider/webhook',
    public: true,
    description: 'Webhook of a payment provider',
    async handler({ platform, request }): Promise<CommonMessage> {
      const name = String(request.params.provider ?? '');
      const provider = platform.payments.get(name);
      if (!provider) throw badRequest('Provider is not available');
      const event = provider.parseWebhook({
        rawBody: request.rawBody ?? Buffer.alloc(0),
        headers: request.headers,
        domain: platform.config.publicUrl,
      });
      const outcome = await applyPaymentEvent(platform.db, provider.name, event, platform.logger).catch((error) => {
        platform.logger.error(
          { err: error, provider: provider.name, event: event.id },
          'applying a payment event failed',
        );
        // the provider delivers it again later
        throw serviceUnavailable('The payment event could not be stored right now', error);
      });
      platform.logger.info({ provider: provider.name, event: event.id, type: event.type, outcome }, 'payment event');
      // a user's plan may have changed: the rate limits of every node follow (the bus's safety net otherwise)
      if (outcome === 'applied') {
        await platform
          .configChanged(['user'])
          .catch((error) => platform.logger.warn({ err: error }, 'announcing a plan change failed'));
      }
      return { success: true, message: 'Execution successful' };
    },
  }),
];
