import type { z } from 'zod';
import { causedBy } from '../../layers/events/envelope';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderConfirmed } from '../orders/events';
import { reservationDeps } from './deps';
import { makeReservationSteps, type ReservationSteps, type StepOutcome } from './reservations';

// Schema: orders.order.confirmed (../orders/events).

type OrderConfirmed = z.infer<typeof orderConfirmed.schema>;

/**
 * Commits a paid order's held units (on hand and reserved both drop). If its hold expired
 * first, the units are held again when the stock allows; otherwise inventory.reservation.rejected
 * {expired} tells orders, which cancels the order and payment refunds it.
 */
export const makeOnOrderConfirmed =
  (steps: Pick<ReservationSteps, 'commit'>) =>
  (event: ConsumedEvent<OrderConfirmed>): Promise<StepOutcome> => {
    const { orderId, buyerId, lines } = event.data;
    return steps.commit({ tenantId: event.tenantId, orderId, buyerId, lines }, { source: 'inventory-on-order-confirmed', ...causedBy(event) });
  };

export default defineConsumer(
  {
    name: 'inventory-on-order-confirmed',
    summary: "Commit a confirmed order's reserved stock",
    events: { [orderConfirmed.type]: orderConfirmed.schema },
  },
  async (event) => {
    await makeOnOrderConfirmed(makeReservationSteps(await reservationDeps()))(event as ConsumedEvent<OrderConfirmed>);
  },
);
