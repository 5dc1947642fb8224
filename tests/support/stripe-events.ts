import Stripe from 'stripe';
import { v7 as uuidv7 } from 'uuid';

/** Stripe's side of a payment in tests and benchmarks: a PaymentIntent webhook, signed as Stripe signs it (`Stripe-Signature: t=…,v1=…`). */
export interface IntentEvent {
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed';
  intentId: string;
  tenantId: string;
  orderId: string;
  amount: number;
  currency: string;
  eventId?: string;
  /** Unix seconds of the signature; now when absent. */
  timestamp?: number;
}

export const signedIntentEvent = (input: IntentEvent, secret: string): { payload: string; headers: Record<string, string> } => {
  const succeeded = input.type === 'payment_intent.succeeded';
  const payload = JSON.stringify({
    id: input.eventId ?? `evt_${uuidv7().replace(/-/g, '')}`,
    object: 'event',
    type: input.type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: input.intentId,
        object: 'payment_intent',
        amount: input.amount,
        amount_received: succeeded ? input.amount : 0,
        currency: input.currency.toLowerCase(),
        status: succeeded ? 'succeeded' : 'requires_payment_method',
        metadata: { tenantId: input.tenantId, orderId: input.orderId },
        last_payment_error: succeeded ? null : { code: 'card_declined', message: 'Your card was declined.' },
      },
    },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: input.timestamp });
  return { payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
};
