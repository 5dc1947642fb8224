import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { paymentConfig, requireSecret } from './config';
import { paymentDeps } from './deps';
import { makeApplyWebhook } from './steps';
import { webhookReply } from './schemas';
import { paystackDecision, verifyPaystackSignature } from './webhooks';

export const PAYSTACK_WEBHOOK = 'payment-webhook-paystack';

const headers = z.object({ 'x-paystack-signature': z.string().max(256).optional() }).passthrough();

/**
 * Paystack's webhook endpoint (public: the signature is the authentication). `x-paystack-signature`
 * is the HMAC-SHA512 of the raw body with the secret key. `charge.success` decides the payment
 * of the order whose id is the transaction's reference (tenant from its metadata), in the same
 * single write as the saga's own step. Paystack signs no timestamp, so there is no staleness to
 * check; a transaction's success already applied is refused as a replay (409). Unsigned or
 * wrongly signed → 400, nothing changed.
 */
export default defineHttp(
  {
    name: PAYSTACK_WEBHOOK,
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
    verifyPaystackSignature({ rawBody, signature: given['x-paystack-signature'], secret: requireSecret('PAYSTACK_SECRET_KEY', paymentConfig()) });
    const result = await makeApplyWebhook(await paymentDeps(), PAYSTACK_WEBHOOK)(paystackDecision(body));
    return { body: { received: true as const, result } };
  },
);
