import { describe, expect, it } from 'vitest';
import { applyOrderEvent, type OrderEvent, type StoredOrderView } from '../../../functions/orders/projection';
import { makeProjectOrder } from '../../../functions/orders/on-order-changed';
import { memoryOrderViews } from './support';

const ID = '0190a0a0-0000-7000-8000-000000000001';
const ref = (version: number) => ({
  orderId: ID,
  buyerId: 'b1',
  storeId: 'main',
  lines: [{ productId: 'p', sku: 'STD', name: 'Mug', quantity: 2, unitPrice: 1000, lineTotal: 2000 }],
  currency: 'EUR',
  total: 1500,
  email: 'ada@example.com',
  version,
});

const created: OrderEvent = {
  type: 'orders.order.created.v1',
  time: '2026-11-25T10:00:00.000Z',
  data: {
    ...ref(1),
    subtotal: 2000,
    discount: 500,
    coupon: { code: 'SAVE5' },
    checkout: { provider: 'stripe', email: 'ada@example.com', total: 1500, currency: 'EUR' },
    createdAt: '2026-11-25T10:00:00.000Z',
  },
};
const confirmed: OrderEvent = { type: 'orders.order.confirmed.v1', time: '2026-11-25T10:00:02.000Z', data: { ...ref(3), paymentId: 'pay_1' } };
const fulfilled: OrderEvent = { type: 'orders.order.fulfilled.v1', time: '2026-11-25T11:00:00.000Z', data: ref(4) };
const delivered: OrderEvent = { type: 'orders.order.delivered.v1', time: '2026-11-26T09:00:00.000Z', data: ref(5) };
const cancelled: OrderEvent = {
  type: 'orders.order.cancelled.v1',
  time: '2026-11-25T10:05:00.000Z',
  data: { ...ref(4), reason: 'buyer_cancelled', from: 'confirmed' },
};

const fold = (events: OrderEvent[]): StoredOrderView | undefined =>
  events.reduce<StoredOrderView | undefined>((view, event) => applyOrderEvent(event)(view) ?? view, undefined);

describe('order read model projection', () => {
  it('follows the lifecycle created → confirmed → fulfilled → delivered', () => {
    expect(fold([created])?.order).toEqual({
      id: ID,
      buyerId: 'b1',
      storeId: 'main',
      state: 'pending',
      version: 1,
      lines: ref(1).lines,
      currency: 'EUR',
      subtotal: 2000,
      discount: 500,
      total: 1500,
      coupon: { code: 'SAVE5' },
      email: 'ada@example.com',
      provider: 'stripe',
      paymentId: null,
      cancellation: null,
      createdAt: '2026-11-25T10:00:00.000Z',
      updatedAt: '2026-11-25T10:00:00.000Z',
    });
    const done = fold([created, confirmed, fulfilled, delivered]);
    expect(done).toMatchObject({ rev: 4, order: { state: 'delivered', version: 5, paymentId: 'pay_1', subtotal: 2000, updatedAt: delivered.time } });
  });

  it('records why and from where an order was cancelled', () => {
    expect(fold([created, confirmed, cancelled])?.order).toMatchObject({
      state: 'cancelled',
      cancellation: { reason: 'buyer_cancelled', from: 'confirmed' },
      paymentId: 'pay_1',
    });
  });

  it('ignores a repeated or stale event', () => {
    const view = fold([created, confirmed])!;
    expect(applyOrderEvent(confirmed)(view)).toBeUndefined();
    expect(applyOrderEvent(created)(view)).toBeUndefined();
    expect(applyOrderEvent({ ...fulfilled, data: ref(3) })(view)).toBeUndefined();
  });

  it('reaches the same view whatever order the topics deliver in', () => {
    const inOrder = fold([created, confirmed, fulfilled, delivered])!.order;
    for (const shuffled of [
      [delivered, created, fulfilled, confirmed],
      [confirmed, delivered, fulfilled, created],
      [fulfilled, confirmed, created, delivered, created, delivered],
    ]) {
      expect(fold(shuffled)!.order).toEqual(inOrder);
    }
  });

  it('fills in what only created knows when it comes late, and nothing more', () => {
    const early = fold([confirmed])!;
    expect(early.order).toMatchObject({ state: 'confirmed', subtotal: null, discount: null, coupon: null, provider: null, createdAt: null });
    const filled = applyOrderEvent(created)(early)!;
    expect(filled.order).toMatchObject({
      state: 'confirmed',
      version: 3,
      subtotal: 2000,
      discount: 500,
      coupon: { code: 'SAVE5' },
      provider: 'stripe',
      updatedAt: confirmed.time,
    });
    expect(filled.rev).toBe(2);
    expect(applyOrderEvent(created)(filled)).toBeUndefined();
  });

  it('projects through the consumer core into the buyer and seller indexes', async () => {
    const { store } = memoryOrderViews();
    const project = makeProjectOrder({ views: store });
    const consumed = (event: OrderEvent) => ({ id: `e-${event.type}`, source: 'test', subject: ID, tenantId: 't1', correlationId: 'c', ...event });
    expect(await project(consumed(created) as never)).toBe(true);
    expect(await project(consumed(created) as never)).toBe(false);
    expect(await store.page('t1', { kind: 'buyer', buyerId: 'b1' }, undefined, 10)).toMatchObject([{ id: ID, state: 'pending' }]);
    expect(await store.page('t1', { kind: 'seller' }, undefined, 10)).toMatchObject([{ id: ID }]);
    expect(await store.page('t1', { kind: 'buyer', buyerId: 'b2' }, undefined, 10)).toEqual([]);
  });
});
