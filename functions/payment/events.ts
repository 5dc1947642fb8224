import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';
import { currency, orderId, paymentProvider } from '../orders/events';

/** The payment service's events, in the outbox of the payment document (`payment` database, `payments`, one per order). */
const aggregate = { service: 'payment', collection: 'payments' } as const;

const paymentRef = {
  orderId,
  paymentId: z.string().min(1),
  provider: paymentProvider,
  amount: z.number().int().min(0),
  currency,
};

export const paymentSucceeded = defineEvent({
  type: 'payment.payment.succeeded.v1',
  schema: z.object({ ...paymentRef, providerReference: z.string().min(1) }),
  aggregate,
  description: "The order's amount was captured, whichever came first: the saga's own call or the provider's webhook. Emitted once per order.",
});

export const paymentFailed = defineEvent({
  type: 'payment.payment.failed.v1',
  schema: z.object({ ...paymentRef, reason: z.string().min(1).max(500) }),
  aggregate,
  description: 'The provider declined or could not take the payment. Emitted once per order.',
});

export const paymentRefunded = defineEvent({
  type: 'payment.payment.refunded.v1',
  schema: z.object({
    ...paymentRef,
    refundId: z.string().min(1),
    /** This refund's amount; `amount` stays the captured amount. */
    refunded: z.number().int().positive(),
    refundedTotal: z.number().int().positive(),
    reason: z.enum(['order_cancelled', 'requested']),
  }),
  aggregate,
  description: 'Money went back to the buyer (partly or fully); the sum refunded never exceeds what was captured.',
});

export const paymentEvents = [paymentSucceeded, paymentFailed, paymentRefunded];
