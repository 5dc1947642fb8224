import { describe, expect, it, vi } from 'vitest';
import { registry } from '../../../layers/metrics';
import { makeCancelOrder } from '../../../functions/orders/cancel';
import { makeCreateOrder } from '../../../functions/orders/create';
import { makeDeliverOrder } from '../../../functions/orders/deliver';
import { makeFulfilOrder } from '../../../functions/orders/fulfil';
import { makeGetOrder } from '../../../functions/orders/get';
import { indexFor, makeListOrders } from '../../../functions/orders/list';
import { decideRejected, makeOnInventoryRejected } from '../../../functions/orders/on-inventory-rejected';
import { decideReserved, makeOnInventoryReserved } from '../../../functions/orders/on-inventory-reserved';
import { decideFailed, makeOnPaymentFailed } from '../../../functions/orders/on-payment-failed';
import { decideSucceeded, makeOnPaymentSucceeded } from '../../../functions/orders/on-payment-succeeded';
import { applyOrderEvent } from '../../../functions/orders/projection';
import type { Order } from '../../../functions/orders/schemas';
import { MAX_ATTEMPTS, makeTransitionOrder } from '../../../functions/orders/transition';
import { encodeCursor } from '../../../layers/http/paging';
import { BUYER, NOW, PRODUCT_A, PRODUCT_B, TENANT, conflictOf, memoryOrderStore, memoryOrderViews, productView, racingStore, setupCreate } from './support';

const buyer = { tenantId: TENANT, userId: BUYER, roles: ['customer' as const] };
const otherBuyer = { tenantId: TENANT, userId: 'buyer-2', roles: ['customer' as const] };
const staff = { tenantId: TENANT, userId: 'staff-1', roles: ['staff' as const] };
const body = (overrides: Record<string, unknown> = {}) => ({
  items: [
    { productId: PRODUCT_A, sku: 'L', quantity: 2 },
    { productId: PRODUCT_B, sku: 'STD', quantity: 3 },
  ],
  email: 'ada@example.com',
  payment: { provider: 'stripe' as const, method: 'pm_card_visa' },
  ...overrides,
});

const eventData = (entry: { data: string }) => JSON.parse(entry.data) as Record<string, unknown>;

/** An order placed by BUYER through the create core, and the ports behind it. */
const placed = async () => {
  const setup = setupCreate();
  const order = await makeCreateOrder(setup.deps)(body(), buyer);
  return { ...setup, order };
};

const consumed = <T>(data: T, id = `evt-${Math.random()}`) => ({
  id,
  type: 'test',
  source: 'test',
  subject: (data as { orderId: string }).orderId,
  time: NOW.toISOString(),
  tenantId: TENANT,
  correlationId: 'corr-1',
  data,
});

const sagaCount = async (outcome: string, reason: string): Promise<number> => {
  const metric = await registry.getSingleMetric('marketplace_saga_outcomes_total')!.get();
  return metric.values.find((v) => v.labels.outcome === outcome && v.labels.reason === reason)?.value ?? 0;
};

const thrown = async (work: Promise<unknown>) => work.then(() => undefined, conflictOf);

describe('orders-create core', () => {
  it('prices each line from the read model and writes the order with its created event in one write', async () => {
    const { deps, orders } = setupCreate();
    const order = await makeCreateOrder(deps)(body(), buyer);
    expect(order).toMatchObject({
      tenantId: TENANT,
      buyerId: BUYER,
      storeId: 'main',
      state: 'pending',
      version: 1,
      subtotal: 3750,
      discount: 0,
      total: 3750,
      currency: 'EUR',
    });
    expect(order.lines.map((l) => [l.sku, l.unitPrice, l.lineTotal])).toEqual([
      ['L', 1500, 3000],
      ['STD', 250, 750],
    ]);
    const row = orders.row(order.id);
    expect(row.order).toEqual(order);
    expect(row.outbox).toHaveLength(1);
    expect(row.outbox[0]).toMatchObject({ type: 'orders.order.created.v1', subject: order.id, tenantId: TENANT, source: 'orders-create' });
    expect(eventData(row.outbox[0]!)).toMatchObject({
      orderId: order.id,
      buyerId: BUYER,
      total: 3750,
      subtotal: 3750,
      discount: 0,
      coupon: null,
      version: 1,
      checkout: { provider: 'stripe', method: 'pm_card_visa', email: 'ada@example.com', total: 3750, currency: 'EUR' },
    });
    expect(deps.nudge).toHaveBeenCalledWith(order.id);
  });

  it('redeems the coupon for the new order id and takes the discount off', async () => {
    const { deps, coupons } = setupCreate();
    const order = await makeCreateOrder(deps)(body({ couponCode: 'save5' }), buyer);
    expect(coupons.redeem).toHaveBeenCalledWith({
      tenantId: TENANT,
      customerId: BUYER,
      orderId: order.id,
      code: 'save5',
      subtotal: 3750,
      currency: 'EUR',
      now: NOW,
    });
    expect(order).toMatchObject({ subtotal: 3750, discount: 500, total: 3250, coupon: { code: 'SAVE5', discount: 500 }, checkout: { total: 3250 } });
  });

  it('takes the lines and coupon from the cart when the body has none; a coupon in the body wins', async () => {
    const cart = { items: [{ productId: PRODUCT_B, sku: 'STD', quantity: 4 }], couponCode: 'SAVE5', version: 7 };
    const { deps, coupons } = setupCreate({ cart, discounts: { SAVE5: 500, TEN: 100 } });
    const fromCart = await makeCreateOrder(deps)({ email: 'ada@example.com', payment: { provider: 'paystack' } }, buyer);
    expect(fromCart).toMatchObject({ subtotal: 1000, discount: 500, total: 500, coupon: { code: 'SAVE5' }, checkout: { provider: 'paystack' } });
    const overridden = await makeCreateOrder(deps)({ email: 'ada@example.com', payment: { provider: 'paystack' }, couponCode: 'TEN' }, buyer);
    expect(overridden).toMatchObject({ discount: 100, coupon: { code: 'TEN' } });
    expect(coupons.redeemed.size).toBe(2);
  });

  it('refuses an empty or missing cart with 422 cart_empty, writing and redeeming nothing', async () => {
    for (const cart of [undefined, { items: [], couponCode: 'SAVE5', version: 2 }]) {
      const { deps, orders, coupons } = setupCreate({ cart });
      expect(await thrown(makeCreateOrder(deps)({ email: 'a@example.com', payment: { provider: 'stripe' } }, buyer))).toMatchObject({
        status: 422,
        code: 'cart_empty',
      });
      expect(orders.rows.size).toBe(0);
      expect(coupons.redeem).not.toHaveBeenCalled();
    }
  });

  it.each([
    ['an unknown product', { productId: '0190a0a0-0000-7000-8000-0000000000ff', sku: 'STD', quantity: 1 }, 'product_unavailable'],
    ['an unknown variant', { productId: PRODUCT_A, sku: 'XXL', quantity: 1 }, 'variant_not_found'],
  ])('refuses %s with 422, writing and redeeming nothing', async (_name, line, code) => {
    const { deps, orders, coupons } = setupCreate();
    expect(await thrown(makeCreateOrder(deps)(body({ items: [line], couponCode: 'SAVE5' }), buyer))).toMatchObject({ status: 422, code });
    expect(orders.rows.size).toBe(0);
    expect(coupons.redeem).not.toHaveBeenCalled();
  });

  it('refuses more than the read model knows to be available with 422 insufficient_stock; unknown stock is left to the reservation', async () => {
    const { deps, orders, coupons, productViews } = setupCreate();
    const view = productView(PRODUCT_B);
    productViews.set(PRODUCT_B, { ...view, stock: { STD: { available: 2, reserved: 1, version: 4 } } });
    expect(await thrown(makeCreateOrder(deps)(body({ couponCode: 'SAVE5' }), buyer))).toMatchObject({
      status: 422,
      code: 'insufficient_stock',
      extras: { sku: 'STD', available: 2, requested: 3 },
    });
    expect(orders.rows.size).toBe(0);
    expect(coupons.redeem).not.toHaveBeenCalled();
    // PRODUCT_A's stock is not projected yet: its 2 units are not refused.
    expect(
      (
        await makeCreateOrder(deps)(
          body({
            items: [
              { productId: PRODUCT_A, sku: 'L', quantity: 2 },
              { productId: PRODUCT_B, sku: 'STD', quantity: 2 },
            ],
          }),
          buyer,
        )
      ).state,
    ).toBe('pending');
  });

  it('refuses a product that is not active, and lines in two currencies', async () => {
    const { deps, productViews } = setupCreate();
    productViews.set(PRODUCT_B, productView(PRODUCT_B, { status: 'draft' }));
    expect(await thrown(makeCreateOrder(deps)(body(), buyer))).toMatchObject({ status: 422, code: 'product_unavailable' });
    productViews.set(PRODUCT_B, productView(PRODUCT_B, { currency: 'USD' }));
    expect(await thrown(makeCreateOrder(deps)(body(), buyer))).toMatchObject({ status: 422, code: 'mixed_currencies' });
  });

  it("never prices from another tenant's catalogue", async () => {
    const { deps } = setupCreate();
    expect(await thrown(makeCreateOrder(deps)(body(), { ...buyer, tenantId: 't2' }))).toMatchObject({ status: 422, code: 'product_unavailable' });
  });

  it('passes a refused coupon on and writes nothing', async () => {
    const { deps, orders } = setupCreate();
    expect(await thrown(makeCreateOrder(deps)(body({ couponCode: 'NOPE' }), buyer))).toMatchObject({ status: 422, code: 'coupon_not_found' });
    expect(orders.rows.size).toBe(0);
  });

  it('releases the redemption when the order cannot be written', async () => {
    const { deps, coupons } = setupCreate();
    deps.store.insert = vi.fn(async () => {
      throw new Error('mongo down');
    });
    await expect(makeCreateOrder(deps)(body({ couponCode: 'SAVE5' }), buyer)).rejects.toThrow('mongo down');
    expect(coupons.release).toHaveBeenCalledOnce();
    expect(coupons.redeemed.size).toBe(0);
    expect(deps.nudge).not.toHaveBeenCalled();
  });

  it("answers with the write's error even when the release fails too", async () => {
    const { deps, coupons } = setupCreate();
    deps.store.insert = vi.fn(async () => {
      throw new Error('mongo down');
    });
    coupons.release.mockRejectedValueOnce(new Error('redis down'));
    await expect(makeCreateOrder(deps)(body({ couponCode: 'SAVE5' }), buyer)).rejects.toThrow('mongo down');
  });

  it('merges a variant asked for twice into one priced line', async () => {
    const { deps } = setupCreate();
    const order = await makeCreateOrder(deps)(
      body({
        items: [
          { productId: PRODUCT_B, sku: 'STD', quantity: 1 },
          { productId: PRODUCT_B, sku: 'STD', quantity: 2 },
        ],
      }),
      buyer,
    );
    expect(order.lines).toMatchObject([{ sku: 'STD', quantity: 3, lineTotal: 750 }]);
  });
});

describe('orders-get and orders-list cores', () => {
  it('shows an order to its buyer and to staff; another buyer gets 404', async () => {
    const { orders, order } = await placed();
    const get = makeGetOrder({ store: orders.store });
    expect(await get(buyer, order.id)).toEqual(order);
    expect(await get(staff, order.id)).toEqual(order);
    expect(await thrown(get(otherBuyer, order.id))).toMatchObject({ status: 404 });
    expect(await thrown(get({ ...staff, tenantId: 't2' }, order.id))).toMatchObject({ status: 404 });
  });

  it("lists the buyer's own orders, or the tenant's for staff; a customer asking for the seller view gets 403", async () => {
    expect(indexFor(buyer, 'buyer')).toEqual({ kind: 'buyer', buyerId: BUYER });
    expect(indexFor(staff, 'seller')).toEqual({ kind: 'seller' });
    expect(() => indexFor(buyer, 'seller')).toThrow(expect.objectContaining({ status: 403, code: 'insufficient_role' }));
  });

  it('pages newest first with an opaque cursor', async () => {
    const views = memoryOrderViews();
    const ids = Array.from({ length: 5 }, (_, i) => `0190a0a0-0000-7000-8000-00000000000${i}`);
    for (const [i, id] of ids.entries()) {
      const buyerId = i % 2 === 0 ? BUYER : 'buyer-2';
      await views.store.update(
        TENANT,
        id,
        applyOrderEvent({
          type: 'orders.order.fulfilled.v1',
          time: NOW.toISOString(),
          data: { orderId: id, buyerId, storeId: null, lines: [], currency: 'EUR', total: 1, email: 'a@example.com', version: 4 },
        } as never),
      );
    }
    const list = makeListOrders({ views: views.store });
    const first = await list(buyer, { view: 'buyer', limit: 2 });
    expect(first.items.map((o) => o.id)).toEqual([ids[4], ids[2]]);
    expect(first.nextCursor).toBe(encodeCursor(ids[2]!));
    const second = await list(buyer, { view: 'buyer', limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    const seller = await list(staff, { view: 'seller', limit: 10 });
    expect(seller.items.map((o) => o.id)).toEqual([...ids].reverse());
    expect(await thrown(list(buyer, { view: 'seller', limit: 10 }))).toMatchObject({ status: 403 });
  });
});

describe('orders-cancel, -fulfil and -deliver cores', () => {
  it('lets the buyer cancel their own order (buyer_cancelled), with the cancelled event in the same write', async () => {
    const { deps, orders, order } = await placed();
    const before = await sagaCount('cancelled', 'buyer_cancelled');
    const cancelled = await makeCancelOrder(deps)(buyer, order.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', version: 2, cancellation: { reason: 'buyer_cancelled', from: 'pending', at: NOW.toISOString() } });
    expect(orders.row(order.id).order).toEqual(cancelled);
    const event = orders.eventsOf(order.id)[1]!;
    expect(event).toMatchObject({ type: 'orders.order.cancelled.v1', source: 'orders-cancel', subject: order.id });
    expect(eventData(event)).toMatchObject({ orderId: order.id, reason: 'buyer_cancelled', from: 'pending', version: 2 });
    expect(await sagaCount('cancelled', 'buyer_cancelled')).toBe(before + 1);
  });

  it('lets staff cancel (seller_cancelled); another buyer gets 404 and changes nothing', async () => {
    const { deps, orders, order } = await placed();
    expect(await thrown(makeCancelOrder(deps)(otherBuyer, order.id))).toMatchObject({ status: 404 });
    expect(orders.row(order.id).order.state).toBe('pending');
    expect(await makeCancelOrder(deps)(staff, order.id)).toMatchObject({ state: 'cancelled', cancellation: { reason: 'seller_cancelled' } });
  });

  it('takes the reason the caller may give, and refuses one it may not with 422', async () => {
    const { deps, orders, order } = await placed();
    expect(await thrown(makeCancelOrder(deps)(buyer, order.id, { reason: 'seller_cancelled' }))).toMatchObject({
      status: 422,
      code: 'cancel_reason_not_allowed',
    });
    expect(await thrown(makeCancelOrder(deps)(staff, order.id, { reason: 'buyer_cancelled' }))).toMatchObject({
      status: 422,
      code: 'cancel_reason_not_allowed',
    });
    expect(orders.row(order.id).order.state).toBe('pending');
    const staffBuyer = { ...staff, userId: BUYER };
    expect(await makeCancelOrder(deps)(staffBuyer, order.id, { reason: 'seller_cancelled' })).toMatchObject({ cancellation: { reason: 'seller_cancelled' } });
  });

  it('walks confirmed → fulfilled → delivered, each with its event, and refuses a cancel after delivery with 409 and the state', async () => {
    const { deps, orders, order } = await placed();
    await makeOnPaymentSucceeded(deps)(consumed({ orderId: order.id, paymentId: 'pay_1' }));
    expect(await makeFulfilOrder(deps)(staff, order.id)).toMatchObject({ state: 'fulfilled', version: 3 });
    expect(await makeDeliverOrder(deps)(staff, order.id, 3)).toMatchObject({ state: 'delivered', version: 4 });
    expect(orders.eventsOf(order.id).map((e) => e.type)).toEqual([
      'orders.order.created.v1',
      'orders.order.confirmed.v1',
      'orders.order.fulfilled.v1',
      'orders.order.delivered.v1',
    ]);
    for (const attempt of [makeCancelOrder(deps)(buyer, order.id), makeCancelOrder(deps)(staff, order.id), makeFulfilOrder(deps)(staff, order.id)]) {
      expect(await thrown(attempt)).toEqual({ status: 409, code: 'illegal_transition', extras: { state: 'delivered' } });
    }
    expect(orders.row(order.id).order).toMatchObject({ state: 'delivered', version: 4 });
    expect(orders.eventsOf(order.id)).toHaveLength(4);
  });

  it('refuses to fulfil or deliver out of order', async () => {
    const { deps, order } = await placed();
    expect(await thrown(makeFulfilOrder(deps)(staff, order.id))).toEqual({ status: 409, code: 'illegal_transition', extras: { state: 'pending' } });
    expect(await thrown(makeDeliverOrder(deps)(staff, order.id))).toEqual({ status: 409, code: 'illegal_transition', extras: { state: 'pending' } });
    await makeCancelOrder(deps)(buyer, order.id);
    expect(await thrown(makeCancelOrder(deps)(buyer, order.id))).toEqual({ status: 409, code: 'illegal_transition', extras: { state: 'cancelled' } });
  });

  it('checks If-Match when sent: a stale version is 412 and changes nothing', async () => {
    const { deps, orders, order } = await placed();
    expect(await thrown(makeCancelOrder(deps)(buyer, order.id, { expectedVersion: 2 }))).toMatchObject({ status: 412 });
    expect(orders.row(order.id).order.state).toBe('pending');
    expect(await makeCancelOrder(deps)(buyer, order.id, { expectedVersion: 1 })).toMatchObject({ state: 'cancelled' });
  });

  it('404s an unknown order', async () => {
    const { deps } = setupCreate();
    expect(await thrown(makeFulfilOrder(deps)(staff, '0190a0a0-0000-7000-8000-0000000000ff'))).toMatchObject({ status: 404 });
  });
});

describe('saga consumer cores', () => {
  it('reserves a pending order once; a redelivery changes nothing and raises no event', async () => {
    const { deps, orders, order } = await placed();
    const event = consumed({ orderId: order.id, expiresAt: '2026-11-25T10:15:00.000Z' });
    expect(await makeOnInventoryReserved(deps)(event)).toMatchObject({
      changed: true,
      order: { state: 'reserved', version: 2, reservation: { expiresAt: '2026-11-25T10:15:00.000Z' } },
    });
    expect(await makeOnInventoryReserved(deps)(event)).toMatchObject({ changed: false, order: { state: 'reserved', version: 2 } });
    expect(orders.eventsOf(order.id)).toHaveLength(1);
  });

  it('confirms on payment success with the payment id, caused by the payment event; once', async () => {
    const { deps, orders, order } = await placed();
    await makeOnInventoryReserved(deps)(consumed({ orderId: order.id, expiresAt: 'x' }));
    const before = await sagaCount('confirmed', 'payment_succeeded');
    const event = consumed({ orderId: order.id, paymentId: 'pay_1' }, 'evt-pay');
    expect(await makeOnPaymentSucceeded(deps)(event)).toMatchObject({ changed: true, order: { state: 'confirmed', paymentId: 'pay_1', version: 3 } });
    expect(await makeOnPaymentSucceeded(deps)(event)).toMatchObject({ changed: false });
    const events = orders.eventsOf(order.id);
    expect(events.map((e) => e.type)).toEqual(['orders.order.created.v1', 'orders.order.confirmed.v1']);
    expect(events[1]).toMatchObject({ source: 'orders-on-payment-succeeded', causationId: 'evt-pay', correlationId: 'corr-1' });
    expect(eventData(events[1]!)).toMatchObject({ paymentId: 'pay_1', version: 3 });
    expect(await sagaCount('confirmed', 'payment_succeeded')).toBe(before + 1);
  });

  it('confirms a pending order whose payment news came before the reservation news, which then changes nothing', async () => {
    const { deps, order } = await placed();
    expect(await makeOnPaymentSucceeded(deps)(consumed({ orderId: order.id, paymentId: 'pay_1' }))).toMatchObject({ order: { state: 'confirmed' } });
    expect(await makeOnInventoryReserved(deps)(consumed({ orderId: order.id, expiresAt: 'x' }))).toMatchObject({
      changed: false,
      order: { state: 'confirmed' },
    });
  });

  it('leaves a cancelled order cancelled when its payment succeeds (payment refunds)', async () => {
    const { deps, orders, order } = await placed();
    await makeCancelOrder(deps)(buyer, order.id);
    expect(await makeOnPaymentSucceeded(deps)(consumed({ orderId: order.id, paymentId: 'pay_1' }))).toMatchObject({
      changed: false,
      order: { state: 'cancelled', paymentId: null },
    });
    expect(orders.eventsOf(order.id)).toHaveLength(2);
  });

  it('cancels on payment failure from pending or reserved only', async () => {
    const { deps, orders, order } = await placed();
    await makeOnInventoryReserved(deps)(consumed({ orderId: order.id, expiresAt: 'x' }));
    expect(await makeOnPaymentFailed(deps)(consumed({ orderId: order.id }))).toMatchObject({
      changed: true,
      order: { state: 'cancelled', cancellation: { reason: 'payment_failed', from: 'reserved' } },
    });
    expect(await makeOnPaymentFailed(deps)(consumed({ orderId: order.id }))).toMatchObject({ changed: false });
    expect(eventData(orders.eventsOf(order.id)[1]!)).toMatchObject({ reason: 'payment_failed', from: 'reserved' });
    expect(decideFailed({ state: 'confirmed' } as Order)).toBeUndefined();
  });

  it('cancels out of stock from pending or reserved, and an expired hold even from confirmed', async () => {
    const { deps, orders, order } = await placed();
    expect(await makeOnInventoryRejected(deps)(consumed({ orderId: order.id, reason: 'out_of_stock' as const }))).toMatchObject({
      order: { state: 'cancelled', cancellation: { reason: 'out_of_stock', from: 'pending' } },
    });
    const second = await makeCreateOrder(deps)(body(), buyer);
    await makeOnPaymentSucceeded(deps)(consumed({ orderId: second.id, paymentId: 'pay_2' }));
    expect(await makeOnInventoryRejected(deps)(consumed({ orderId: second.id, reason: 'out_of_stock' as const }))).toMatchObject({
      changed: false,
      order: { state: 'confirmed' },
    });
    expect(await makeOnInventoryRejected(deps)(consumed({ orderId: second.id, reason: 'expired' as const }))).toMatchObject({
      order: { state: 'cancelled', cancellation: { reason: 'reservation_expired', from: 'confirmed' } },
    });
    expect(eventData(orders.eventsOf(second.id).at(-1)!)).toMatchObject({ reason: 'reservation_expired', from: 'confirmed' });
  });

  it('decides nothing for states the news no longer concerns', () => {
    const at = (state: Order['state']) => ({ state }) as Order;
    expect(decideReserved({ expiresAt: 'x' })(at('cancelled'))).toBeUndefined();
    expect(decideSucceeded({ paymentId: 'p' })(at('fulfilled'))).toBeUndefined();
    expect(decideRejected({ reason: 'expired' })(at('fulfilled'))).toBeUndefined();
    expect(decideRejected({ reason: 'expired' })(at('delivered'))).toBeUndefined();
    expect(decideRejected({ reason: 'out_of_stock' })(at('cancelled'))).toBeUndefined();
  });

  it('404s an event for an order that does not exist (dead-lettered, never guessed)', async () => {
    const { deps } = setupCreate();
    expect(await thrown(makeOnPaymentSucceeded(deps)(consumed({ orderId: '0190a0a0-0000-7000-8000-0000000000ff', paymentId: 'p' })))).toMatchObject({
      status: 404,
    });
  });
});

describe('transitions under races', () => {
  it('re-reads and decides afresh when another change wins: a cancel racing a payment success leaves one outcome', async () => {
    const { deps, orders, order } = await placed();
    const raced = { ...deps, store: racingStore(orders.store, async () => void (await makeCancelOrder(deps)(buyer, order.id))) };
    expect(await makeOnPaymentSucceeded(raced)(consumed({ orderId: order.id, paymentId: 'pay_1' }))).toMatchObject({
      changed: false,
      order: { state: 'cancelled' },
    });
    expect(orders.eventsOf(order.id).map((e) => e.type)).toEqual(['orders.order.created.v1', 'orders.order.cancelled.v1']);
  });

  it('a cancel losing to a fulfilment answers 409 with the new state', async () => {
    const { deps, orders, order } = await placed();
    await makeOnPaymentSucceeded(deps)(consumed({ orderId: order.id, paymentId: 'pay_1' }));
    const raced = { ...deps, store: racingStore(orders.store, async () => void (await makeFulfilOrder(deps)(staff, order.id))) };
    expect(await thrown(makeCancelOrder(raced)(buyer, order.id))).toEqual({ status: 409, code: 'illegal_transition', extras: { state: 'fulfilled' } });
  });

  it('gives up with a retryable 503 after losing every attempt', async () => {
    const { orders, order } = await placed();
    const store = { ...orders.store, transition: vi.fn(async () => false) };
    const transition = makeTransitionOrder({ store, now: () => NOW, nudge: vi.fn() });
    expect(await thrown(transition(TENANT, order.id, () => ({ action: 'cancel', reason: 'buyer_cancelled' }), { source: 't' }))).toMatchObject({
      status: 503,
      code: 'order_busy',
    });
    expect(store.transition).toHaveBeenCalledTimes(MAX_ATTEMPTS);
  });

  it('concurrent deliveries of one payment success confirm once', async () => {
    const { deps, orders, order } = await placed();
    const event = consumed({ orderId: order.id, paymentId: 'pay_1' });
    const results = await Promise.all(Array.from({ length: 10 }, () => makeOnPaymentSucceeded(deps)(event)));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(orders.eventsOf(order.id).filter((e) => e.type === 'orders.order.confirmed.v1')).toHaveLength(1);
  });

  it('does not nudge the relay for a move without an event', async () => {
    const { deps, order } = await placed();
    vi.mocked(deps.nudge).mockClear();
    await makeOnInventoryReserved(deps)(consumed({ orderId: order.id, expiresAt: 'x' }));
    expect(deps.nudge).not.toHaveBeenCalled();
  });
});

describe('memory store sanity', () => {
  it('refuses a transition from a stale version', async () => {
    const { store } = memoryOrderStore();
    const { order } = await placed();
    await store.insert(order, []);
    expect(await store.transition({ ...order, state: 'reserved', version: 2 }, { state: 'pending', version: 2 }, [])).toBe(false);
    expect(await store.transition({ ...order, state: 'reserved', version: 2 }, { state: 'reserved', version: 1 }, [])).toBe(false);
    expect(await store.transition({ ...order, state: 'reserved', version: 2 }, { state: 'pending', version: 1 }, [])).toBe(true);
  });
});
