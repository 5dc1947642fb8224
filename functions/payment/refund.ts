import { defineHttp } from '../../layers/http/define';
import { paymentDeps } from './deps';
import { requestRefund, RefundDeclinedError } from './rules';
import { orderParams, refundBody, refundReply, toPaymentView, toRefundView, type RefundBody } from './schemas';
import { runRefund, type PaymentDeps } from './steps';

// Schemas: `orderParams` and `refundBody` in, `refundReply` out (./schemas).

export const REFUND_OPERATION = 'payment-refund';

/**
 * A staff refund, partial or full (all that is left when no amount is given). The amount is
 * reserved against the captured amount in one conditional write before the provider is called,
 * so concurrent refunds can never add up past it (422 `refund_exceeds_captured`). The request's
 * Idempotency-Key names the refund: a retry after a provider outage resumes the same refund with
 * the same provider idempotency key; a provider's refusal releases the reservation (422 `refund_declined`).
 */
export const makeRefundPayment = (deps: PaymentDeps) => async (input: { tenantId: string; orderId: string; requestKey: string } & RefundBody) => {
  const reserved = await deps.store.change(input.tenantId, input.orderId, (current) =>
    requestRefund(current, {
      orderId: input.orderId,
      ...(input.amount !== undefined ? { amount: input.amount } : {}),
      note: input.reason,
      requestKey: input.requestKey,
      refundId: deps.newId(),
      now: deps.now(),
    }),
  );
  const { record, refund } = reserved.resume ? await runRefund(deps, reserved.record, reserved.refund, { source: REFUND_OPERATION }) : reserved;
  if (refund.status === 'failed') throw new RefundDeclinedError(refund.failureReason ?? 'declined');
  return { refund: toRefundView(refund), payment: toPaymentView(record) };
};

export default defineHttp(
  {
    name: 'payment-refund',
    method: 'POST',
    path: '/{orderId}',
    summary: "Refund an order's payment, partly or fully (Idempotency-Key)",
    description: 'Staff and above. Never more than captured minus what was already refunded (422 refund_exceeds_captured).',
    tags: ['payment'],
    auth: 'staff',
    idempotent: true,
    request: { params: orderParams, body: refundBody },
    response: { status: 201, schema: refundReply, description: 'The refund and the payment after it' },
    errors: [404, 409, 422, 503],
  },
  async ({ params, body, tenantId }, context) => ({
    body: await makeRefundPayment(await paymentDeps())({ tenantId, orderId: params.orderId, requestKey: context.idempotencyKey!, ...body }),
  }),
);
