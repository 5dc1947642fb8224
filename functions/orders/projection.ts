import type { z } from 'zod';
import { orderCancelled, orderConfirmed, orderCreated, orderDelivered, orderFulfilled } from './events';
import type { OrderSummary } from './schemas';
import type { OrderState } from './states';

/**
 * The order read model (CQRS), pure half: how one event changes an order's summary. Every
 * order event carries the order's version after the change; the summary keeps the highest
 * version seen, so a stale or repeated event changes nothing, in whatever order Kafka
 * delivers the five topics. Only `created` knows the subtotal, discount, coupon, provider and
 * creation time: when it comes after a later event it fills those in and nothing else.
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

export const applyOrderEvent =
  (event: OrderEvent): OrderViewChange =>
  (current) => {
    const rev = (current?.rev ?? 0) + 1;
    if (current && current.order.version >= event.data.version) {
      // Late `created`: fill in what only it knows, once.
      if (isCreated(event) && current.order.createdAt === null) return { order: { ...current.order, ...createdFields(event) }, rev };
      return undefined;
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
