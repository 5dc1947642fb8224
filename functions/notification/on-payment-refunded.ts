import type { z } from 'zod';
import { ServiceUnavailableError } from '../../layers/errors';
import { defineConsumer, type ConsumedEvent } from '../../layers/events/consumer';
import { paymentRefunded } from '../payment/events';
import { orderContactIdOf, refundedVariables, type Contact } from './commerce';
import { makeDeliver, type DeliverDeps, type Delivery, type DeliveryOutcome } from './deliver';
import { contactDeps, deliverDeps, type ContactDeps } from './deps';

type PaymentRefunded = z.infer<typeof paymentRefunded.schema>;

/** The refund notice to the order's buyer: this refund, and how much of what was captured is back. */
export const refundDelivery = (event: ConsumedEvent<PaymentRefunded>, buyer: Contact): Delivery => ({
  tenantId: event.tenantId,
  eventId: event.id,
  eventType: event.type,
  key: 'payment-refunded',
  channel: 'email',
  to: buyer.email,
  variables: refundedVariables(event.data, buyer.email),
});

/**
 * The refund event names no address: the buyer's comes from the contact the order's own events
 * left (notification-on-order-confirmed and -on-order-cancelled). Every refunded order had one of
 * them, but the refund of an order cancelled before confirmation can arrive before the
 * cancellation is consumed: then the event fails with a retryable 503, and the connector's retry
 * finds the address.
 */
export const makeOnPaymentRefunded =
  (deps: DeliverDeps & ContactDeps) =>
  async (event: ConsumedEvent<PaymentRefunded>): Promise<DeliveryOutcome> => {
    const buyer = await deps.contacts.get(event.tenantId, orderContactIdOf(event.tenantId, event.data.orderId));
    if (!buyer) {
      throw new ServiceUnavailableError(
        `No buyer address is known for order ${event.data.orderId} yet; the refund notice will be retried.`,
        'order_contact_unknown',
      );
    }
    return makeDeliver(deps)(refundDelivery(event, buyer));
  };

export default defineConsumer(
  {
    name: 'notification-on-payment-refunded',
    summary: 'Tell the buyer money was refunded',
    events: { [paymentRefunded.type]: paymentRefunded.schema },
  },
  async (event, context) => {
    const [deliver, contacts] = await Promise.all([deliverDeps(), contactDeps()]);
    const outcome = await makeOnPaymentRefunded({ ...deliver, ...contacts })(event);
    context.log.info({ outcome, orderId: event.data.orderId, refundId: event.data.refundId }, 'refund delivery');
  },
);
