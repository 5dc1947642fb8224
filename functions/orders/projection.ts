import type { z } from 'zod';
import { orderCancelled, orderConfirmed, orderCreated, orderDelivered, orderFulfilled } from './events';
import type { OrderSummary } from './schemas';
import type { OrderState } from './states';

/**
 * The order read model (CQRS), pure half: how one event changes an order's summary. Every
 * order event carries the order's version after the change; the summary keeps the highest
 * version seen, so a stale or repeated event changes nothing, in whatever order Kafka
 * delivers the five topics — except what only that event knows (`created`'s subtotal, discount,
 * coupon, provider and creation time; `confirmed`'s payment id), filled in once if missing.
 */
export interface StoredOrderView {
  order: OrderSummary;
  /** Applied changes so far; the compare-and-set token of the store. */
  rev: number;
}

export type OrderViewChange = (current: StoredOrderView | undefined) => StoredOrderView | undefined;

type Data<E extends { schema: z.ZodType }> = z.infer<E['schema']>;

export type OrderEvent =
  | { type: typeof orderCreated.type; time: string; data: Data<typeof orderCreated> }
  | { type: typeof orderConfirmed.type; time: string; data: Data<typeof orderConfirmed> }
  | { type: typeof orderCancelled.type; time: string; data: Data<typeof orderCancelled> }
  | { type: typeof orderFulfilled.type; time: string; data: Data<typeof orderFulfilled> }
  | { type: typeof orderDelivered.type; time: string; data: Data<typeof orderDelivered> };

const STATE_AFTER: Record<OrderEvent['type'], OrderState> = {
  [orderCreated.type]: 'pending',
  [orderConfirmed.type]: 'confirmed',
  [orderCancelled.type]: 'cancelled',
  [orderFulfilled.type]: 'fulfilled',
  [orderDelivered.type]: 'delivered',
};

/** What only the `created` event says. */
const createdFields = (event: Extract<OrderEvent, { type: typeof orderCreated.type }>) => ({
  subtotal: event.data.subtotal,
  discount: event.data.discount,
  coupon: event.data.coupon ? { code: event.data.coupon.code } : null,
  provider: event.data.checkout.provider,
  createdAt: event.data.createdAt,
});

const isCreated = (event: OrderEvent): event is Extract<OrderEvent, { type: typeof orderCreated.type }> => event.type === orderCreated.type;

/**
 * What a stale event still adds: the fields only it carries, when a later event was projected
 * first (`created`'s amounts and creation time, `confirmed`'s payment id); undefined otherwise.
 */
const lateFields = (event: OrderEvent, order: OrderSummary): Partial<OrderSummary> | undefined => {
  if (isCreated(event) && order.createdAt === null) return createdFields(event);
  if (event.type === orderConfirmed.type && order.paymentId === null) return { paymentId: event.data.paymentId };
  return undefined;
};

export const applyOrderEvent =
  (event: OrderEvent): OrderViewChange =>
  (current) => {
    const rev = (current?.rev ?? 0) + 1;
    if (current && current.order.version >= event.data.version) {
      const missing = lateFields(event, current.order);
      return missing ? { order: { ...current.order, ...missing }, rev } : undefined;
    }
    const { data } = event;
    const before = current?.order;
    const order: OrderSummary = {
      id: data.orderId,
      buyerId: data.buyerId,
      storeId: data.storeId,
      state: STATE_AFTER[event.type],
      version: data.version,
      lines: data.lines,
      currency: data.currency,
      subtotal: before?.subtotal ?? null,
      discount: before?.discount ?? null,
      coupon: before?.coupon ?? null,
      email: data.email,
      provider: before?.provider ?? null,
      paymentId: event.type === orderConfirmed.type ? event.data.paymentId : (before?.paymentId ?? null),
      cancellation: event.type === orderCancelled.type ? { reason: event.data.reason, from: event.data.from } : (before?.cancellation ?? null),
      createdAt: before?.createdAt ?? null,
      updatedAt: event.time,
      total: data.total,
      ...(isCreated(event) ? createdFields(event) : {}),
    };
    return { order, rev };
  };
