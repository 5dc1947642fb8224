import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';

/**
 * The orders service's events, in the outbox of the order document (`orders` database, `orders`).
 * They are the checkout saga's contract: inventory, payment, cart, review and notification react
 * to them. Money is integer minor units in the order's currency.
 */
const aggregate = { service: 'orders', collection: 'orders' } as const;

export const orderId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'an order id (UUIDv7)');
export const currency = z.string().regex(/^[A-Z]{3}$/);
export const paymentProvider = z.enum(['stripe', 'paystack']);

/** One priced line, priced by the server from the product read model, never by the client. */
export const orderLine = z.object({
  productId: z.string().min(1),
  sku: z.string().min(1),
  name: z.string(),
  quantity: z.number().int().positive(),
  unitPrice: z.number().int().min(0),
  lineTotal: z.number().int().min(0),
});

/** What the payment step needs, carried along the saga so no step has to look it up. */
export const checkoutTerms = z.object({
  provider: paymentProvider,
  /** The provider's payment method token (Stripe `pm_…`); Paystack collects it on its own page. */
  method: z.string().min(1).max(255).optional(),
  email: z.string().email(),
  total: z.number().int().min(0),
  currency,
});

export const orderState = z.enum(['pending', 'reserved', 'confirmed', 'fulfilled', 'delivered', 'cancelled']);
export const cancelReason = z.enum(['out_of_stock', 'reservation_expired', 'payment_failed', 'buyer_cancelled', 'seller_cancelled']);

const orderRef = {
  orderId,
  buyerId: z.string().min(1),
  storeId: z.string().min(1).nullable(),
  lines: z.array(orderLine).min(1),
  currency,
  total: z.number().int().min(0),
  email: z.string().email(),
  version: z.number().int().positive(),
};

export const orderCreated = defineEvent({
  type: 'orders.order.created.v1',
  schema: z.object({
    ...orderRef,
    subtotal: z.number().int().min(0),
    discount: z.number().int().min(0),
    coupon: z.object({ code: z.string().min(1) }).nullable(),
    checkout: checkoutTerms,
    createdAt: z.string(),
  }),
  aggregate,
  description: 'An order was placed (state pending); the checkout saga starts: inventory reserves or rejects it.',
});

export const orderConfirmed = defineEvent({
  type: 'orders.order.confirmed.v1',
  schema: z.object({ ...orderRef, paymentId: z.string().min(1) }),
  aggregate,
  description: 'Stock was reserved and the payment succeeded: inventory commits the reservation and the buyer gets a receipt.',
});

export const orderCancelled = defineEvent({
  type: 'orders.order.cancelled.v1',
  schema: z.object({
    ...orderRef,
    reason: cancelReason,
    /** The state the order left; a `confirmed` order was paid and is refunded by payment. */
    from: orderState,
  }),
  aggregate,
  description: 'An order was cancelled: inventory releases what it holds, payment refunds what was captured, cart gives the coupon back.',
});

export const orderFulfilled = defineEvent({
  type: 'orders.order.fulfilled.v1',
  schema: z.object(orderRef),
  aggregate,
  description: 'The seller shipped the order.',
});

export const orderDelivered = defineEvent({
  type: 'orders.order.delivered.v1',
  schema: z.object(orderRef),
  aggregate,
  description: 'The order reached the buyer; its products may now be reviewed by that buyer.',
});

export const orderEvents = [orderCreated, orderConfirmed, orderCancelled, orderFulfilled, orderDelivered];
