import Stripe from 'stripe';
import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { paymentConfig, requireSecret } from './config';
import { paymentDeps } from './deps';
import { webhookReply } from './schemas';
import { makeApplyWebhook, type PaymentDeps, type WebhookResult } from './steps';
import { stripeDecision, verifyStripeEvent } from './webhooks';

export const STRIPE_WEBHOOK = 'payment-webhook-stripe';

const headers = z.object({ 'stripe-signature': z.string().max(2048).optional() }).passthrough();

/**
 * Stripe's webhook (public: the signature is the authentication). Verified over the raw body
 * with the endpoint secret and the timestamp tolerance (300 s); payment_intent.succeeded,
 * .payment_failed and .canceled decide our payment of the order named in the intent's metadata
 * (tenant included), in the same single write as the saga's own step: the first outcome wins
 * and is emitted once. Unsigned, wrongly signed or stale → 400; an event id already applied →
 * 409 `webhook_replayed`; both change nothing. Other events are acknowledged and ignored.
 */
export const makeStripeWebhook =
  (deps: PaymentDeps, settings: { secret: string; toleranceSeconds: number }) =>
  async (delivery: { rawBody: string | undefined; signature: string | undefined; nowMs: number }): Promise<WebhookResult> => {
    // The library's verifier needs no API key: it is HMAC with the endpoint secret.
    const event = verifyStripeEvent(Stripe.webhooks, { ...delivery, ...settings });
    return makeApplyWebhook(deps, STRIPE_WEBHOOK)(stripeDecision(event));
  };

export default defineHttp(
  {
    name: 'payment-webhook-stripe',
    method: 'POST',
    summary: 'Stripe webhook (signed)',
    description: 'Verified with the Stripe-Signature header (HMAC-SHA256 over `t.payload`, 300 s tolerance). Replays are refused with 409.',
    tags: ['payment'],
    auth: 'public',
    rawBody: true,
    rateLimit: { keyPrefix: 'rl:webhook-stripe:', scopes: ['ip'] },
    request: { headers },
    response: { status: 200, schema: webhookReply, description: 'Received; `result` says what it changed' },
    errors: [409],
  },
  async ({ headers: given, rawBody }) => {
    const config = paymentConfig();
    const settings = { secret: requireSecret('STRIPE_WEBHOOK_SECRET', config), toleranceSeconds: config.STRIPE_WEBHOOK_TOLERANCE_SECONDS };
    const result = await makeStripeWebhook(await paymentDeps(), settings)({ rawBody, signature: given['stripe-signature'], nowMs: Date.now() });
    return { body: { received: true as const, result } };
  },
);
