import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { paymentConfig, requireSecret } from './config';
import { paymentDeps } from './deps';
import { webhookReply } from './schemas';
import { makeApplyWebhook, type PaymentDeps, type WebhookResult } from './steps';
import { paystackDecision, verifyPaystackSignature } from './webhooks';

export const PAYSTACK_WEBHOOK = 'payment-webhook-paystack';

const headers = z.object({ 'x-paystack-signature': z.string().max(256).optional() }).passthrough();

/**
 * Paystack's webhook (public: the signature is the authentication): `x-paystack-signature` is
 * the HMAC-SHA512 of the raw body with the secret key. `charge.success` decides the payment of
 * the order whose id is the transaction's reference (tenant from its metadata), in the same
 * single write as the saga's own step. Paystack signs no timestamp, so there is no staleness to
 * check; a transaction's success already applied is a replay (409). Unsigned or wrongly signed
 * → 400. Either way nothing changes.
 */
export const makePaystackWebhook =
  (deps: PaymentDeps, settings: { secret: string }) =>
  async (delivery: { rawBody: string | undefined; signature: string | undefined; body: unknown }): Promise<WebhookResult> => {
    verifyPaystackSignature({ rawBody: delivery.rawBody, signature: delivery.signature, secret: settings.secret });
    return makeApplyWebhook(deps, PAYSTACK_WEBHOOK)(paystackDecision(delivery.body));
  };

export default defineHttp(
  {
    name: 'payment-webhook-paystack',
    method: 'POST',
    summary: 'Paystack webhook (signed)',
    description: 'Verified with x-paystack-signature (HMAC-SHA512 of the body with the secret key). Replays are refused with 409.',
    tags: ['payment'],
    auth: 'public',
    rawBody: true,
    rateLimit: { keyPrefix: 'rl:webhook-paystack:', scopes: ['ip'] },
    request: { headers },
    response: { status: 200, schema: webhookReply, description: 'Received; `result` says what it changed' },
    errors: [409],
  },
  async ({ headers: given, rawBody, body }) => {
    const settings = { secret: requireSecret('PAYSTACK_SECRET_KEY', paymentConfig()) };
    const result = await makePaystackWebhook(await paymentDeps(), settings)({ rawBody, signature: given['x-paystack-signature'], body });
    return { body: { received: true as const, result } };
  },
);
