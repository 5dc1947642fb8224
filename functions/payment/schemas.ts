import { z } from 'zod';
import { currency, orderId, paymentProvider } from '../orders/events';
import { refundable, type PaymentRecord, type RefundRecord } from './rules';

/** The HTTP shapes of the payment operations. A payment is addressed by its order's id. */
export const orderParams = z.object({ orderId });

export const refundBody = z
  .object({
    /** Minor units; all that is left to refund when absent. */
    amount: z.number().int().positive().max(100_000_000_000).optional(),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type RefundBody = z.infer<typeof refundBody>;

const nextAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('redirect'), url: z.string().url() }),
  z.object({ type: z.literal('stripe_confirm'), clientSecret: z.string() }),
]);

export const refundView = z.object({
  id: z.string(),
  amount: z.number().int(),
  reason: z.enum(['order_cancelled', 'requested']),
  status: z.enum(['pending', 'succeeded', 'failed']),
  providerRefundId: z.string().nullable(),
  note: z.string().nullable(),
  failureReason: z.string().nullable(),
  createdAt: z.string(),
});
export type RefundView = z.infer<typeof refundView>;

export const paymentView = z.object({
  orderId,
  tenantId: z.string(),
  buyerId: z.string().nullable(),
  provider: paymentProvider.nullable(),
  status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
  amount: z.number().int(),
  currency,
  captured: z.number().int(),
  refunded: z.number().int(),
  /** What may still be refunded: captured minus settled and pending refunds. */
  refundable: z.number().int(),
  providerReference: z.string().nullable(),
  failureReason: z.string().nullable(),
  /** What the buyer must still do to pay (Paystack's page, Stripe's client-side confirmation). */
  nextAction: nextAction.nullable(),
  orderCancelled: z.boolean(),
  refunds: z.array(refundView),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PaymentView = z.infer<typeof paymentView>;

export const refundReply = z.object({ refund: refundView, payment: paymentView });

export const webhookReply = z.object({
  received: z.literal(true),
  /** decided | recorded | unchanged | refund | ignored */
  result: z.string(),
});

export const toRefundView = (refund: RefundRecord): RefundView => ({
  id: refund.id,
  amount: refund.amount,
  reason: refund.reason,
  status: refund.status,
  providerRefundId: refund.providerRefundId,
  note: refund.note,
  failureReason: refund.failureReason,
  createdAt: refund.createdAt,
});

/** The API view: no webhook ids, no request keys. */
export const toPaymentView = (record: PaymentRecord): PaymentView => ({
  orderId: record.id,
  tenantId: record.tenantId,
  buyerId: record.buyerId,
  provider: record.provider,
  status: record.status,
  amount: record.amount,
  currency: record.currency,
  captured: record.captured,
  refunded: record.refunded,
  refundable: refundable(record),
  providerReference: record.providerReference,
  failureReason: record.failureReason,
  nextAction: record.nextAction,
  orderCancelled: record.orderCancelled,
  refunds: record.refunds.map(toRefundView),
  version: record.version,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
});
