import type Stripe from 'stripe';
import type { ChargeRequest, PaymentGateway, RefundCall } from './gateways';
import { idempotencyKeys, type NextAction, type Outcome, type RefundResult } from './rules';

/**
 * Stripe through the `stripe` library. A PaymentIntent is created and confirmed server-side
 * with the buyer's payment method, captured automatically, under the idempotency key
 * `pi:<orderId>`: a retried step gets the same intent back instead of a second charge. A final
 * status in the answer decides at once; any other leaves the payment pending for the signed
 * webhook. A card decline is Stripe's definitive answer (failed); network trouble, Stripe's 5xx
 * and rate limits are not, and throw so the step is retried.
 */
export type StripeApi = Pick<Stripe, 'paymentIntents' | 'refunds'>;

/** Error classes that are Stripe's answer about this request, not about Stripe's health. */
const DEFINITIVE = new Set(['StripeCardError', 'StripeInvalidRequestError', 'StripeIdempotencyError']);

const typeOf = (error: unknown): string | undefined =>
  (error && typeof error === 'object' ? (error as { type?: unknown }).type : undefined) as string | undefined;

export const isStripeDecline = (error: unknown): boolean => {
  const type = typeOf(error);
  return type !== undefined && DEFINITIVE.has(type);
};

/** Why Stripe refused: the issuer's decline code, Stripe's error code, or its message. */
export const stripeReason = (error: unknown): string => {
  const e = error as { decline_code?: string; code?: string; message?: string };
  const reason = e.decline_code ?? e.code ?? e.message ?? 'declined';
  return reason.slice(0, 500);
};

/** The client-side step a pending intent waits for, when the buyer must act (3-D Secure, no method given). */
const nextActionOf = (intent: Stripe.PaymentIntent): NextAction | null =>
  ['requires_action', 'requires_payment_method', 'requires_confirmation'].includes(intent.status) && intent.client_secret
    ? { type: 'stripe_confirm', clientSecret: intent.client_secret }
    : null;

/** What a PaymentIntent's status says about the charge. */
export const intentOutcome = (intent: Stripe.PaymentIntent): Outcome => {
  const currency = intent.currency.toUpperCase();
  if (intent.status === 'succeeded') return { kind: 'succeeded', reference: intent.id, amount: intent.amount_received || intent.amount, currency };
  if (intent.status === 'canceled') {
    return {
      kind: 'failed',
      reference: intent.id,
      reason: `canceled${intent.cancellation_reason ? `: ${intent.cancellation_reason}` : ''}`,
      amount: intent.amount,
      currency,
    };
  }
  return { kind: 'pending', reference: intent.id, nextAction: nextActionOf(intent), amount: intent.amount, currency };
};

/** A declined charge's outcome; the intent (when Stripe sent it along) gives the reference. */
export const declineOutcome = (error: unknown, request: Pick<ChargeRequest, 'amount' | 'currency'>): Outcome => {
  const intent = (error as { payment_intent?: { id?: string } } | undefined)?.payment_intent;
  return { kind: 'failed', reference: intent?.id ?? null, reason: stripeReason(error), amount: request.amount, currency: request.currency };
};

export const chargeParams = (request: ChargeRequest): Stripe.PaymentIntentCreateParams => ({
  amount: request.amount,
  currency: request.currency.toLowerCase(),
  capture_method: 'automatic',
  description: `Order ${request.orderId}`,
  metadata: { tenantId: request.tenantId, orderId: request.orderId, buyerId: request.buyerId },
  ...(request.method
    ? // Confirmed here with the buyer's method; redirect-based methods would need a return URL this flow does not have.
      { payment_method: request.method, confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }
    : { automatic_payment_methods: { enabled: true } }),
});

export const stripeGateway = (stripe: StripeApi): PaymentGateway => ({
  provider: 'stripe',
  async charge(request) {
    try {
      const intent = await stripe.paymentIntents.create(chargeParams(request), { idempotencyKey: idempotencyKeys.charge(request.orderId) });
      return intentOutcome(intent);
    } catch (error) {
      if (isStripeDecline(error)) return declineOutcome(error, request);
      throw error;
    }
  },
  async refund(call: RefundCall): Promise<RefundResult> {
    try {
      const refund = await stripe.refunds.create(
        {
          payment_intent: call.reference,
          amount: call.amount,
          reason: 'requested_by_customer',
          metadata: { tenantId: call.tenantId, orderId: call.orderId, refundId: call.refundId, reason: call.reason },
        },
        { idempotencyKey: call.idempotencyKey },
      );
      // `pending` and `requires_action` refunds complete at Stripe; only failed and canceled ones gave nothing back.
      if (refund.status === 'failed' || refund.status === 'canceled') return { kind: 'failed', reason: refund.failure_reason ?? refund.status };
      return { kind: 'succeeded', providerRefundId: refund.id };
    } catch (error) {
      if (isStripeDecline(error)) return { kind: 'failed', reason: stripeReason(error) };
      throw error;
    }
  },
  async cancel({ orderId, reference }) {
    try {
      await stripe.paymentIntents.cancel(reference, { cancellation_reason: 'abandoned' }, { idempotencyKey: idempotencyKeys.cancelIntent(orderId) });
      return true;
    } catch (error) {
      if (isStripeDecline(error)) return false;
      throw error;
    }
  },
});
