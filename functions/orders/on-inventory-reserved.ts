import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { reservationReserved } from '../inventory/events';
import { orderDeps, type OrderDeps } from './deps';
import { makeTransitionOrder, type Decide, type TransitionResult } from './transition';

/**
 * Inventory holds every line: pending → reserved (no event; payment reacts to inventory's own).
 * Any other state means the news is old or overtaken (a redelivery; a payment already seen; a
 * cancel meanwhile, whose event makes inventory release the hold): nothing to do.
 */
export const decideReserved =
  (data: { expiresAt: string }): Decide =>
  (order) =>
    order.state === 'pending' ? { action: 'reserve', reservation: { expiresAt: data.expiresAt } } : undefined;

export const makeOnInventoryReserved =
  (deps: Pick<OrderDeps, 'store' | 'now' | 'nudge'>) =>
  (event: ConsumedEvent<{ orderId: string; expiresAt: string }>): Promise<TransitionResult> =>
    makeTransitionOrder(deps)(event.tenantId, event.data.orderId, decideReserved(event.data), { source: 'orders-on-inventory-reserved', cause: event });

export default defineConsumer(
  {
    name: 'orders-on-inventory-reserved',
    summary: 'Checkout saga: the order is reserved once inventory holds its lines',
    events: { [reservationReserved.type]: reservationReserved.schema },
  },
  async (event) => void (await makeOnInventoryReserved(await orderDeps())(event)),
);
