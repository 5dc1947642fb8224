import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { paymentFailed } from '../payment/events';
import { orderDeps, type OrderDeps } from './deps';
import { makeTransitionOrder, type Decide, type TransitionResult } from './transition';

/**
 * The payment was declined or could not be taken: a pending or reserved order is cancelled
 * (`payment_failed`; inventory releases the hold). Any other state already took its course.
 */
export const decideFailed: Decide = (order) =>
  order.state === 'pending' || order.state === 'reserved' ? { action: 'cancel', reason: 'payment_failed' } : undefined;

export const makeOnPaymentFailed =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  (event: ConsumedEvent<{ orderId: string }>): Promise<TransitionResult> =>
    makeTransitionOrder(deps)(event.tenantId, event.data.orderId, decideFailed, { source: 'orders-on-payment-failed', cause: event });

export default defineConsumer(
  {
    name: 'orders-on-payment-failed',
    summary: 'Checkout saga: cancel the order when its payment failed',
    events: { [paymentFailed.type]: paymentFailed.schema },
  },
  async (event) => void (await makeOnPaymentFailed(await orderDeps())(event)),
);
