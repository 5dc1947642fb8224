import type { z } from 'zod';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { orderConfirmed } from '../orders/events';
import { orderVariables, rememberBuyer } from './commerce';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { contactDeps, deliverDeps, type ContactDeps } from './deps';

type OrderConfirmed = z.infer<typeof orderConfirmed.schema>;

/** The receipt to the buyer of an order just confirmed (checkout saga, last step): its lines and total. */
export const receiptDelivery = (event: ConsumedEvent<OrderConfirmed>): Delivery => ({
  tenantId: event.tenantId,
  eventId: event.id,
  eventType: event.type,
  key: 'order-receipt',
  channel: 'email',
  to: event.data.email,
  variables: orderVariables(event.data),
});

/** Keeps the buyer's address first (payment.payment.refunded names none), then sends the receipt once. */
export const makeOnOrderConfirmed =
  (deps: DeliverDeps & ContactDeps) =>
  async (event: ConsumedEvent<OrderConfirmed>): Promise<DeliveryOutcome> => {
    await rememberBuyer(deps, event.tenantId, event.data);
    return makeDeliver(deps)(receiptDelivery(event));
  };

export default defineConsumer(
  {
    name: 'notification-on-order-confirmed',
    summary: 'Send the buyer the receipt of a confirmed order',
    events: { [orderConfirmed.type]: orderConfirmed.schema },
  },
  async (event, context) => {
    const [deliver, contacts] = await Promise.all([deliverDeps(), contactDeps()]);
    const outcome = await makeOnOrderConfirmed({ ...deliver, ...contacts })(event);
    context.log.info({ outcome, orderId: event.data.orderId }, 'receipt delivery');
  },
);
