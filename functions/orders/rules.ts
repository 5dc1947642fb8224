import { levelOf, ROLE_LEVEL, type Actor } from '../../layers/auth/types';
import { NotFoundError, PreconditionFailedError, UnprocessableError } from '../../layers/errors';
import type { PricedLine } from '../products/pricing';
import type { StoredView } from '../products/read-model';
import { MAX_QUANTITY, type CreateOrderBody, type Order, type OrderOut } from './schemas';

/** Rules several orders operations share; pure. */

export const ORDER_CODES = {
  cartEmpty: 'cart_empty',
  quantityTooLarge: 'quantity_too_large',
  reasonNotAllowed: 'cancel_reason_not_allowed',
} as const;

export interface LineRequest {
  productId: string;
  sku: string;
  quantity: number;
}

/**
 * One line per variant: a variant asked for twice is one line with both quantities, so that
 * inventory holds it once. The sum keeps the per-line limit.
 */
export const mergeLines = (items: readonly LineRequest[]): LineRequest[] => {
  const merged = new Map<string, LineRequest>();
  for (const item of items) {
    const key = JSON.stringify([item.productId, item.sku]);
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, quantity: seen.quantity + item.quantity } : { productId: item.productId, sku: item.sku, quantity: item.quantity });
  }
  const lines = [...merged.values()];
  const over = lines.find((line) => line.quantity > MAX_QUANTITY);
  if (over) {
    throw new UnprocessableError(`At most ${MAX_QUANTITY} of one variant per order.`, ORDER_CODES.quantityTooLarge, {
      productId: over.productId,
      sku: over.sku,
      quantity: over.quantity,
    });
  }
  return lines;
};

/** The store every line's product belongs to, or null when the order spans stores. */
export const storeOf = (views: readonly (StoredView | undefined)[]): string | null => {
  const stores = new Set(views.map((view) => view?.product?.storeId ?? null));
  const [only] = stores;
  return stores.size === 1 && only !== undefined ? only : null;
};

export interface NewOrder {
  id: string;
  tenantId: string;
  buyerId: string;
  storeId: string | null;
  lines: readonly PricedLine[];
  currency: string;
  subtotal: number;
  coupon: { code: string; discount: number } | null;
  email: string;
  payment: CreateOrderBody['payment'];
  now: Date;
}

/** A new order in state `pending`, at version 1. A discount never exceeds the subtotal. */
export const buildOrder = (input: NewOrder): Order => {
  const discount = Math.min(input.coupon?.discount ?? 0, input.subtotal);
  const total = input.subtotal - discount;
  const at = input.now.toISOString();
  return {
    id: input.id,
    tenantId: input.tenantId,
    buyerId: input.buyerId,
    storeId: input.storeId,
    state: 'pending',
    version: 1,
    lines: input.lines.map((line) => ({
      productId: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    })),
    currency: input.currency,
    subtotal: input.subtotal,
    discount,
    total,
    coupon: input.coupon ? { code: input.coupon.code, discount } : null,
    email: input.email,
    checkout: {
      provider: input.payment.provider,
      ...(input.payment.method ? { method: input.payment.method } : {}),
      email: input.email,
      total,
      currency: input.currency,
    },
    paymentId: null,
    reservation: null,
    cancellation: null,
    createdAt: at,
    updatedAt: at,
  };
};

/** The fields every order event carries. */
export const orderRef = (order: Order) => ({
  orderId: order.id,
  buyerId: order.buyerId,
  storeId: order.storeId,
  lines: order.lines,
  currency: order.currency,
  total: order.total,
  email: order.email,
  version: order.version,
});

/** The order as the API shows it: the payment method token stays in the saga. */
export const toApi = (order: Order): OrderOut => {
  const { checkout, ...rest } = order;
  return { ...rest, payment: { provider: checkout.provider, paymentId: order.paymentId } };
};

/** The seller's side: staff and above see and act on every order of their tenant. */
export const isSeller = (actor: Pick<Actor, 'roles'>): boolean => levelOf(actor.roles) >= ROLE_LEVEL.staff;

/**
 * The order if `actor` may see it: its buyer, or the seller. Anyone else gets the 404 an unknown
 * id gets, so another buyer cannot even learn that the order exists.
 */
export const visibleTo = (actor: Pick<Actor, 'userId' | 'roles'>, id: string, found: Order | undefined): Order => {
  if (!found || (found.buyerId !== actor.userId && !isSeller(actor))) throw new NotFoundError('order', id);
  return found;
};

/** An `If-Match` the client sent must name the order's current version (412 otherwise); none, no check. */
export const assertVersion = (order: Order, expectedVersion: number | undefined): void => {
  if (expectedVersion !== undefined && order.version !== expectedVersion) {
    throw new PreconditionFailedError(`The order is at version ${order.version}, not ${expectedVersion}; read it again.`, { version: order.version });
  }
};

export type CancelledBy = 'buyer_cancelled' | 'seller_cancelled';

/**
 * Why a person cancels: as its buyer (`buyer_cancelled`) or for the seller (`seller_cancelled`,
 * staff and above). A reason the caller may not give is a 422; none given, the buyer's own
 * cancel is the buyer's, anyone else's the seller's.
 */
export const cancelReasonOf = (actor: Pick<Actor, 'userId' | 'roles'>, order: Order, requested?: CancelledBy): CancelledBy => {
  const allowed: CancelledBy[] = [];
  if (order.buyerId === actor.userId) allowed.push('buyer_cancelled');
  if (isSeller(actor)) allowed.push('seller_cancelled');
  if (requested === undefined) return allowed[0]!;
  if (!allowed.includes(requested)) {
    throw new UnprocessableError(`You cannot cancel this order as ${requested}.`, ORDER_CODES.reasonNotAllowed, { allowed });
  }
  return requested;
};
