import type { z } from 'zod';
import { causedBy } from '../../layers/events/envelope';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { countSagaOutcome } from '../../layers/metrics';
import { orderCancelled } from '../orders/events';
import { reservationDeps } from './deps';
import { makeReservationSteps, type ReservationSteps, type StepOutcome } from './reservations';

// Schema: orders.order.cancelled (../orders/events).

type OrderCancelled = z.infer<typeof orderCancelled.schema>;

/**
 * Gives back what a cancelled order still holds. A paid order cancelled after its commit (from
 * `confirmed`, before fulfilment) has its units put back on hand: nothing left the warehouse yet.
 * A reservation already released, expired or rejected holds nothing and stays as it is.
 */
export const makeOnOrderCancelled =
  (steps: Pick<ReservationSteps, 'cancel'>) =>
  (event: ConsumedEvent<OrderCancelled>): Promise<StepOutcome> => {
    const { orderId, buyerId, lines } = event.data;
    return steps.cancel({ tenantId: event.tenantId, orderId, buyerId, lines }, { source: 'inventory-on-order-cancelled', ...causedBy(event) });
  };

export default defineConsumer(
  {
    name: 'inventory-on-order-cancelled',
    summary: "Release a cancelled order's stock (put a paid order's back on hand)",
    events: { [orderCancelled.type]: orderCancelled.schema },
  },
  async (event) => {
    const outcome = await makeOnOrderCancelled(makeReservationSteps(await reservationDeps()))(event as ConsumedEvent<OrderCancelled>);
    if (outcome === 'released' || outcome === 'restocked') countSagaOutcome('checkout', 'compensated', `stock_${outcome}`);
  },
);
