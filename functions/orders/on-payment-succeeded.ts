import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { paymentSucceeded } from '../payment/events';
import { orderDeps, type OrderDeps } from './deps';
import { canTransition } from './states';
import { makeTransitionOrder, type Decide, type TransitionResult } from './transition';

/**
 * The payment was captured: a pending or reserved order is confirmed with the payment's id
 * (pending too, since payment authorizes only after inventory reserved). A cancelled order stays
 * cancelled: payment saw, or will see, its `cancelled` event and refunds on its own. A confirmed
 * or later order already took this news.
 */
export const decideSucceeded =
  (data: { paymentId: string }): Decide =>
  (order) =>
    canTransition(order.state, 'confirm') ? { action: 'confirm', paymentId: data.paymentId } : undefined;

export const makeOnPaymentSucceeded =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  (event: ConsumedEvent<{ orderId: string; paymentId: string }>): Promise<TransitionResult> =>
    makeTransitionOrder(deps)(event.tenantId, event.data.orderId, decideSucceeded(event.data), { source: 'orders-on-payment-succeeded', cause: event });

export default defineConsumer(
  {
    name: 'orders-on-payment-succeeded',
    summary: 'Checkout saga: confirm the order once its payment succeeded',
    events: { [paymentSucceeded.type]: paymentSucceeded.schema },
  },
  async (event) => void (await makeOnPaymentSucceeded(await orderDeps())(event)),
);
