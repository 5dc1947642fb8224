import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderCancelled } from '../orders/events';
import { cancelledVariables, rememberBuyer } from './commerce';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { contactDeps, deliverDeps, type ContactDeps } from './deps';

type OrderCancelled = z.infer<typeof orderCancelled.schema>;

/** Tells the buyer their order was cancelled and why; a paid order (cancelled from `confirmed`) says it is refunded. */
export const cancellationDelivery = (event: ConsumedEvent<OrderCancelled>): Delivery => ({
  tenantId: event.tenantId,
  eventId: event.id,
  eventType: event.type,
  key: 'order-cancelled',
  channel: 'email',
  to: event.data.email,
  variables: cancelledVariables(event.data),
});

/**
 * Keeps the buyer's address (a refund of an order cancelled before it was confirmed is told from
 * payment.payment.refunded, which names none), then sends the notice once.
 */
export const makeOnOrderCancelled =
  (deps: DeliverDeps & ContactDeps) =>
  async (event: ConsumedEvent<OrderCancelled>): Promise<DeliveryOutcome> => {
    await rememberBuyer(deps, event.tenantId, event.data);
    return makeDeliver(deps)(cancellationDelivery(event));
  };

export default defineConsumer(
  {
    name: 'notification-on-order-cancelled',
    summary: 'Tell the buyer their order was cancelled (and refunded when it had been paid)',
    events: { [orderCancelled.type]: orderCancelled.schema },
  },
  async (event, context) => {
    const [deliver, contacts] = await Promise.all([deliverDeps(), contactDeps()]);
    const outcome = await makeOnOrderCancelled({ ...deliver, ...contacts })(event);
    context.log.info({ outcome, orderId: event.data.orderId, reason: event.data.reason, from: event.data.from }, 'cancellation delivery');
  },
);
