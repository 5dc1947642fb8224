import { z } from 'zod';
import { page, pageQuery } from '../../layers/http/paging';
import { couponCode } from '../cart/schemas';
import { productId, sku } from '../products/schemas';
import { cancelReason, checkoutTerms, currency, orderId, orderLine, orderState, paymentProvider } from './events';

/** API shapes shared by several orders operations. Money is integer minor units in the order's currency. */

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

/** A line as the buyer asks for it: what and how many, never a price. */
export const lineRequest = z
  .object({
    productId,
    sku,
    quantity: z.number().int().min(1).max(MAX_QUANTITY),
  })
  .strict();

/**
 * orders-create's body. Without `items` the order is taken from the buyer's cart (and its
 * coupon, unless `couponCode` names another). Strict: a price, total or any other field the
 * server computes is refused, never read.
 */
export const createOrderBody = z
  .object({
    items: z.array(lineRequest).min(1).max(MAX_LINES).optional(),
    couponCode: couponCode.optional(),
    email: z.string().trim().email().max(254),
    payment: z.object({ provider: paymentProvider, method: z.string().min(1).max(255).optional() }).strict(),
  })
  .strict();
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const orderIdParams = z.object({ id: orderId }).strict();

/** orders-cancel's optional body: who the caller cancels as (by default, the buyer's own cancel is the buyer's). */
export const cancelOrderBody = z
  .object({ reason: z.enum(['buyer_cancelled', 'seller_cancelled']).optional() })
  .strict()
  .optional();
export type CancelOrderBody = z.infer<typeof cancelOrderBody>;

export const listOrdersQuery = z
  .object({
    /** `buyer`: the caller's own orders; `seller`: every order of the tenant (staff and above). */
    view: z.enum(['buyer', 'seller']).default('buyer'),
    ...pageQuery,
  })
  .strict();
export type ListOrdersQuery = z.infer<typeof listOrdersQuery>;

const iso = z.string();
const cancellation = z.object({ reason: cancelReason, from: orderState, at: iso });

/** The order as the write model holds it; `checkout` carries the payment terms the saga passes along. */
export const orderRecord = z.object({
  id: orderId,
  tenantId: z.string(),
  buyerId: z.string(),
  storeId: z.string().nullable(),
  state: orderState,
  version: z.number().int().positive(),
  lines: z.array(orderLine).min(1),
  currency,
  subtotal: z.number().int().min(0),
  discount: z.number().int().min(0),
  total: z.number().int().min(0),
  coupon: z.object({ code: z.string(), discount: z.number().int().min(0) }).nullable(),
  email: z.string(),
  checkout: checkoutTerms,
  paymentId: z.string().nullable(),
  reservation: z.object({ expiresAt: iso }).nullable(),
  cancellation: cancellation.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export type Order = z.infer<typeof orderRecord>;

/** orders-get's answer: the order without the payment method token. */
export const order = orderRecord.omit({ checkout: true }).extend({
  payment: z.object({ provider: paymentProvider, paymentId: z.string().nullable() }),
});
export type OrderOut = z.infer<typeof order>;

/**
 * One order in a list, from the read model. It is projected from the order's events, so it
 * moves pending → confirmed → fulfilled → delivered | cancelled (`reserved` raises no event);
 * fields only `created` carries stay null until that event is projected.
 */
export const orderSummary = z.object({
  id: orderId,
  buyerId: z.string(),
  storeId: z.string().nullable(),
  state: orderState,
  version: z.number().int().positive(),
  lines: z.array(orderLine),
  currency,
  subtotal: z.number().int().min(0).nullable(),
  discount: z.number().int().min(0).nullable(),
  total: z.number().int().min(0),
  coupon: z.object({ code: z.string() }).nullable(),
  email: z.string(),
  provider: paymentProvider.nullable(),
  paymentId: z.string().nullable(),
  cancellation: z.object({ reason: cancelReason, from: orderState }).nullable(),
  createdAt: iso.nullable(),
  updatedAt: iso,
});
export type OrderSummary = z.infer<typeof orderSummary>;

export const orderPage = page(orderSummary);
