import type { z } from 'zod';
import { causedBy } from '../../layers/events/envelope';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderCreated } from '../orders/events';
import { reservationDeps } from './deps';
import { makeReservationSteps, type ReservationSteps, type StepOutcome } from './reservations';

// Schema: orders.order.created (../orders/events).

type OrderCreated = z.infer<typeof orderCreated.schema>;

/** Holds every line of a new order (inventory.reservation.reserved) or none (inventory.reservation.rejected, out_of_stock). */
export const makeOnOrderCreated =
  (steps: Pick<ReservationSteps, 'reserve'>) =>
  (event: ConsumedEvent<OrderCreated>): Promise<StepOutcome> => {
    const { orderId, buyerId, lines, checkout } = event.data;
    return steps.reserve({ tenantId: event.tenantId, orderId, buyerId, lines, checkout }, { source: 'inventory-on-order-created', ...causedBy(event) });
  };

export default defineConsumer(
  {
    name: 'inventory-on-order-created',
    summary: "Reserve every line of a new order, or reject it when one can't be had",
    events: { [orderCreated.type]: orderCreated.schema },
  },
  async (event) => {
    await makeOnOrderCreated(makeReservationSteps(await reservationDeps()))(event as ConsumedEvent<OrderCreated>);
  },
);
