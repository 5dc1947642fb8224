import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderCancelled, orderConfirmed, orderCreated, orderDelivered, orderFulfilled } from './events';
import { applyOrderEvent, type OrderEvent } from './projection';
import { orderViewStore, type OrderViewStore } from './store';

/**
 * Keeps the order read model (Redis) in step with the order's events: the order's summary and
 * its place in the buyer's and the seller's lists. A stale or repeated event changes nothing
 * (the summary keeps the highest version), so redelivery and any delivery order are safe.
 */
export const makeProjectOrder =
  (deps: { views: Pick<OrderViewStore, 'update'> }) =>
  (event: ConsumedEvent<OrderEvent['data']>): Promise<boolean> =>
    deps.views.update(event.tenantId, event.data.orderId, applyOrderEvent({ type: event.type, time: event.time, data: event.data } as OrderEvent));

export default defineConsumer(
  {
    name: 'orders-on-order-changed',
    summary: "Project order events into the buyer's and the seller's order lists",
    events: {
      [orderCreated.type]: orderCreated.schema,
      [orderConfirmed.type]: orderConfirmed.schema,
      [orderCancelled.type]: orderCancelled.schema,
      [orderFulfilled.type]: orderFulfilled.schema,
      [orderDelivered.type]: orderDelivered.schema,
    },
  },
  async (event) => void (await makeProjectOrder({ views: await orderViewStore() })(event)),
);
