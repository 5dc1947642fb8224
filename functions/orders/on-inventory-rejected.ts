import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { reservationRejected } from '../inventory/events';
import { orderDeps, type OrderDeps } from './deps';
import { makeTransitionOrder, type Decide, type TransitionResult } from './transition';

type Rejection = { orderId: string; reason: 'out_of_stock' | 'expired' };

/**
 * Inventory holds nothing for the order. Out of stock: a pending or reserved order is cancelled.
 * Expired: the hold lapsed, so even a confirmed order is cancelled (`from: confirmed`, and payment
 * refunds it). Whatever else the order is (already cancelled, shipped), nothing to do.
 */
export const decideRejected =
  (data: Pick<Rejection, 'reason'>): Decide =>
  (order) => {
    const cancellable = data.reason === 'expired' ? ['pending', 'reserved', 'confirmed'] : ['pending', 'reserved'];
    if (!cancellable.includes(order.state)) return undefined;
    return { action: 'cancel', reason: data.reason === 'expired' ? 'reservation_expired' : 'out_of_stock' };
  };

export const makeOnInventoryRejected =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  (event: ConsumedEvent<Rejection>): Promise<TransitionResult> =>
    makeTransitionOrder(deps)(event.tenantId, event.data.orderId, decideRejected(event.data), { source: 'orders-on-inventory-rejected', cause: event });

export default defineConsumer(
  {
    name: 'orders-on-inventory-rejected',
    summary: 'Checkout saga: cancel the order when inventory rejects it or its hold expires',
    events: { [reservationRejected.type]: reservationRejected.schema },
  },
  async (event) => void (await makeOnInventoryRejected(await orderDeps())(event)),
);
