import { z } from 'zod';
import { defineEvent } from '../../layers/events/envelope';
import { checkoutTerms, orderId } from '../orders/events';

/**
 * Inventory's events. Stock events travel in the outbox of the stock document (one per variant,
 * `inventory` database, `stock`); reservation outcomes in the outbox of the order's reservation
 * document (`reservations`, `_id` = order id).
 */
const stock = { service: 'inventory', collection: 'stock' } as const;
const reservations = { service: 'inventory', collection: 'reservations' } as const;

export const stockChanged = defineEvent({
  type: 'inventory.stock.changed.v1',
  schema: z.object({
    productId: z.string().min(1),
    sku: z.string().min(1),
    available: z.number().int(),
    reserved: z.number().int().min(0),
    version: z.number().int().positive(),
    /** What changed it (optional: consumers of the levels need only the figures above). */
    cause: z.enum(['set', 'adjusted', 'reserved', 'released', 'committed', 'restocked', 'expired']).optional(),
    /** The order a reservation step was taken for. */
    orderId: orderId.optional(),
    /** The reason an adjustment gave. */
    reason: z.string().max(200).optional(),
  }),
  aggregate: stock,
  description: 'The stock of one variant changed (set, adjusted, reserved, committed or released).',
});

export const stockLow = defineEvent({
  type: 'inventory.stock.low.v1',
  schema: z.object({
    productId: z.string().min(1),
    sku: z.string().min(1),
    available: z.number().int(),
    threshold: z.number().int().min(0),
    version: z.number().int().positive(),
  }),
  aggregate: stock,
  description: "A variant's available stock fell to or below its low-stock threshold; the seller is told to replenish.",
});

const reservedLine = z.object({ productId: z.string().min(1), sku: z.string().min(1), quantity: z.number().int().positive() });

export const reservationReserved = defineEvent({
  type: 'inventory.reservation.reserved.v1',
  schema: z.object({
    orderId,
    buyerId: z.string().min(1),
    lines: z.array(reservedLine).min(1),
    expiresAt: z.string(),
    /** Copied from orders.order.created: payment authorizes from it. */
    checkout: checkoutTerms,
  }),
  aggregate: reservations,
  description: 'Every line of an order is held; the hold expires at `expiresAt` unless the order is confirmed first.',
});

export const reservationRejected = defineEvent({
  type: 'inventory.reservation.rejected.v1',
  schema: z.object({
    orderId,
    buyerId: z.string().min(1),
    /** `expired`: the hold lapsed before the order was confirmed and its stock went back. */
    reason: z.enum(['out_of_stock', 'expired']),
    unavailable: z.array(z.object({ productId: z.string().min(1), sku: z.string().min(1), requested: z.number().int(), available: z.number().int() })),
  }),
  aggregate: reservations,
  description: 'An order cannot have (or no longer has) its stock; nothing is held for it.',
});

export const inventoryEvents = [stockChanged, stockLow, reservationReserved, reservationRejected];
