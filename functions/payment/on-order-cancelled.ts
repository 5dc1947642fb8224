import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { causedBy } from '../../layers/events/envelope';
import { countSagaOutcome } from '../../layers/metrics';
import { orderCancelled } from '../orders/events';
import { paymentDeps } from './deps';
import { cancelPayment, type RefundRecord } from './rules';
import { runRefund, type PaymentDeps } from './steps';

export const CANCEL_STEP = 'payment-on-order-cancelled';

type Cancelled = z.infer<typeof orderCancelled.schema>;

/**
 * The saga's compensation: an order was cancelled. What was captured and not yet refunded goes
 * back once (Stripe idempotency key `refund:<orderId>:cancel`) → payment.payment.refunded; an
 * undecided payment becomes `cancelled` (its Stripe intent cancelled, best effort), so a late
 * success is refunded at once and never confirms the order; a payment never started is recorded
 * as cancelled, so a late payment step charges nothing. The payment's own state decides, not
 * the event's `from`. A redelivery after a transient provider failure resumes the reserved refund.
 */
export const makeCancelPayment =
  (deps: PaymentDeps) =>
  async (event: ConsumedEvent<Cancelled>): Promise<{ refund?: RefundRecord }> => {
    const { orderId, buyerId, total, currency } = event.data;
    const tenantId = event.tenantId;
    const result = await deps.store.change(tenantId, orderId, (current) =>
      cancelPayment(current, { tenantId, orderId, amount: total, currency, buyerId, correlationId: event.correlationId }, deps.now()),
    );
    if (result.cancelIntent) {
      // Best effort: if the intent was decided meanwhile, its webhook finds the payment cancelled and refunds.
      await deps
        .gateway(result.cancelIntent.provider)
        .cancel({ orderId, reference: result.cancelIntent.reference })
        .catch(() => false);
    }
    if (!result.refund) return {};
    const settled = await runRefund(deps, result.record, result.refund, { source: CANCEL_STEP, ...causedBy(event) });
    return { refund: settled.refund };
  };

export default defineConsumer(
  {
    name: 'payment-on-order-cancelled',
    summary: 'Refund a cancelled order what was captured, or cancel its undecided payment',
    events: { [orderCancelled.type]: orderCancelled.schema },
  },
  async (event) => {
    const { refund } = await makeCancelPayment(await paymentDeps())(event as ConsumedEvent<Cancelled>);
    if (refund?.status === 'succeeded') countSagaOutcome('checkout', 'compensated', 'payment_refunded');
  },
);
