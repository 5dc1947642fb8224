import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDb } from '../../layers/connections';
import { openShop, settle, type Order, type Shop } from './support/commerce';
import { expectProblem } from './support/problems';
import { eventually, startSystem, type System } from './support/system';

/**
 * Commerce's bad input through the gateway: each answers a 4xx RFC 9457 problem and changes
 * nothing. "Nothing" is read from the stores themselves: the tenant's orders, carts, coupons
 * (with their redemption counts), payments and stock, before and after each attempt.
 */
let system: System;
let shop: Shop;
let rival: Shop;
const day = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  system = await startSystem();
  [shop, rival] = await Promise.all([openShop(system, { stock: 5, price: 2500 }), openShop(system, { stock: 5 })]);
  await eventually(async () => ((await shop.view()).stock?.[shop.sku]?.available === 5 ? true : undefined), 'the stock in the product view');
});
afterAll(async () => system?.stop());

/** Everything of the tenant's that a commerce call could change. */
const snapshot = async (tenantId: string) => {
  const all = async (service: string, collection: string) =>
    (await (await serviceDb(service)).collection(collection).find({ tenantId }).project({ _id: 1, version: 1, state: 1, status: 1, redemptions: 1 }).toArray())
      .map((doc) => JSON.stringify(doc))
      .sort();
  return {
    orders: await all('orders', 'orders'),
    carts: await all('cart', 'carts'),
    coupons: await all('cart', 'coupons'),
    payments: await all('payment', 'payments'),
    stock: await all('inventory', 'stock'),
    reservations: await all('inventory', 'reservations'),
  };
};

/** The saga's last write for a confirmed order: inventory commits its reservation. */
const committed = (orderId: string) =>
  eventually(async () => {
    const reservation = await (await serviceDb('inventory')).collection('reservations').findOne({ _id: orderId as never });
    return reservation?.status === 'committed' ? true : undefined;
  }, `the reservation of ${orderId} committed`);

const unchanged = async (attempt: () => Promise<void>) => {
  const before = await snapshot(shop.tenant);
  await attempt();
  expect(await snapshot(shop.tenant)).toEqual(before);
};

const orderWith = (token: string, body: Record<string, unknown>) =>
  system.call<Order>('orders-create', { method: 'POST', token, body, headers: { 'idempotency-key': uuidv7() } });

const line = (quantity: unknown, extra: Record<string, unknown> = {}) => ({ productId: shop.productId, sku: shop.sku, quantity, ...extra });
const checkout = (email: string, extra: Record<string, unknown> = {}) => ({ email, payment: { provider: 'stripe', method: 'pm_card_visa' }, ...extra });

const createCoupon = (owner: Shop, body: Record<string, unknown>) =>
  system.call('cart-coupon-create', {
    method: 'POST',
    token: owner.owner,
    body: { kind: 'fixed', value: 500, currency: 'EUR', validUntil: new Date(Date.now() + day).toISOString(), ...body },
    headers: { 'idempotency-key': uuidv7() },
  });

describe('commerce bad input: a 4xx problem, and nothing changed', () => {
  it.each([
    ['zero', 0],
    ['negative', -2],
    ['fractional', 1.5],
    ['absurd', 1e9],
  ])('a %s quantity → 400 in the cart and at checkout', async (_name, quantity) => {
    const buyer = await shop.buyer();
    await unchanged(async () => {
      expectProblem(await system.call('cart-add-item', { method: 'POST', token: buyer.token, body: line(quantity) }), 400, 'validation_failed');
      expectProblem(await orderWith(buyer.token, checkout(buyer.email, { items: [line(quantity)] })), 400, 'validation_failed');
    });
  });

  it('more than the stock → 422 insufficient_stock in the cart and at checkout', async () => {
    const buyer = await shop.buyer();
    await unchanged(async () => {
      const added = await system.call('cart-add-item', { method: 'POST', token: buyer.token, body: line(6) });
      expectProblem(added, 422, 'insufficient_stock');
      const ordered = await orderWith(buyer.token, checkout(buyer.email, { items: [line(6)] }));
      expectProblem(ordered, 422, 'insufficient_stock');
      expect(ordered.body).toMatchObject({ available: 5, requested: 6 });
    });
  });

  it('a price, a total or a discount sent by the client → 400: the server prices every line', async () => {
    const buyer = await shop.buyer();
    await unchanged(async () => {
      expectProblem(await system.call('cart-add-item', { method: 'POST', token: buyer.token, body: line(1, { unitPrice: 1 }) }), 400, 'validation_failed');
      expectProblem(
        await orderWith(buyer.token, checkout(buyer.email, { items: [line(1, { price: { amount: 1, currency: 'EUR' } })] })),
        400,
        'validation_failed',
      );
      expectProblem(await orderWith(buyer.token, checkout(buyer.email, { items: [line(1)], total: 1 })), 400, 'validation_failed');
      expectProblem(await orderWith(buyer.token, checkout(buyer.email, { items: [line(1)], discount: 2499 })), 400, 'validation_failed');
    });
  });

  it("another tenant's coupon → 404 coupon_not_found, in the cart and at checkout", async () => {
    expect((await createCoupon(rival, { code: 'RIVAL5' })).status).toBe(201);
    const buyer = await shop.buyer();
    expect((await system.call('cart-add-item', { method: 'POST', token: buyer.token, body: line(1) })).status).toBe(200);
    const rivalCoupons = await snapshot(rival.tenant);
    await unchanged(async () => {
      expectProblem(await system.call('cart-apply-coupon', { method: 'POST', token: buyer.token, body: { code: 'RIVAL5' } }), 404, 'coupon_not_found');
      expectProblem(await orderWith(buyer.token, checkout(buyer.email, { couponCode: 'RIVAL5' })), 404, 'coupon_not_found');
    });
    expect(await snapshot(rival.tenant)).toEqual(rivalCoupons);
  });

  it('an expired coupon → 422 coupon_expired', async () => {
    expect((await createCoupon(shop, { code: 'BRIEF5', validUntil: new Date(Date.now() + 1_500).toISOString() })).status).toBe(201);
    const buyer = await shop.buyer();
    expect((await system.call('cart-add-item', { method: 'POST', token: buyer.token, body: line(1) })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await unchanged(async () => {
      expectProblem(await system.call('cart-apply-coupon', { method: 'POST', token: buyer.token, body: { code: 'BRIEF5' } }), 422, 'coupon_expired');
      expectProblem(await orderWith(buyer.token, checkout(buyer.email, { couponCode: 'BRIEF5' })), 422, 'coupon_expired');
    });
  });

  it('an exhausted coupon → 422 coupon_exhausted, and one used up by this customer → 422 too', async () => {
    expect((await createCoupon(shop, { code: 'ONCE5', usageLimit: 1 })).status).toBe(201);
    const first = await shop.buyer();
    const used = await orderWith(first.token, checkout(first.email, { items: [line(1)], couponCode: 'ONCE5' }));
    expect(used.status).toBe(201);
    expect(used.body).toMatchObject({ discount: 500, total: 2000 });
    // The saga holds its stock and opens its payment; once that is done, nothing else moves.
    await shop.waitForPendingPayment(used.body.id);
    const second = await shop.buyer();
    await unchanged(async () => {
      expectProblem(await orderWith(second.token, checkout(second.email, { items: [line(1)], couponCode: 'ONCE5' })), 422, 'coupon_exhausted');
    });

    expect((await createCoupon(shop, { code: 'MINE5', perCustomerLimit: 1 })).status).toBe(201);
    const mine = await orderWith(first.token, checkout(first.email, { items: [line(1)], couponCode: 'MINE5' }));
    expect(mine.status).toBe(201);
    await shop.waitForPendingPayment(mine.body.id);
    await unchanged(async () => {
      const again = await orderWith(first.token, checkout(first.email, { items: [line(1)], couponCode: 'MINE5' }));
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ code: expect.stringMatching(/^coupon_/) });
    });
  });

  it('a refund above what was captured → 422 refund_exceeds_captured; a cancel after delivery → 409 with the state', async () => {
    const buyer = await shop.buyer();
    const placed = await shop.placeOrder(buyer, 1);
    expect(placed.status).toBe(201);
    await settle(system, shop, placed.body);
    await shop.waitForState(buyer.token, placed.body.id, ['confirmed']);
    await committed(placed.body.id);
    const refund = (amount: number) =>
      system.call('payment-refund', {
        method: 'POST',
        path: `/${placed.body.id}`,
        token: shop.owner,
        body: { amount, reason: 'damaged' },
        headers: { 'idempotency-key': uuidv7() },
      });
    await unchanged(async () => expectProblem(await refund(placed.body.total + 1), 422, 'refund_exceeds_captured'));

    for (const step of ['orders-fulfil', 'orders-deliver']) {
      expect((await system.call(step, { method: 'POST', path: `/${placed.body.id}`, token: shop.owner })).status).toBe(200);
    }
    await unchanged(async () => {
      const cancel = await system.call('orders-cancel', {
        method: 'POST',
        path: `/${placed.body.id}`,
        token: buyer.token,
        body: { reason: 'buyer_cancelled' },
      });
      expectProblem(cancel, 409, 'illegal_transition');
      expect(cancel.body).toMatchObject({ state: 'delivered' });
    });
  });
});
