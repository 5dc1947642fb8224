import { describe, expect, it } from 'vitest';
import { assertVersion, buildOrder, cancelReasonOf, isSeller, mergeLines, orderRef, storeOf, toApi, visibleTo } from '../../../functions/orders/rules';
import { priceLine } from '../../../functions/products/pricing';
import { NOW, PRODUCT_A, PRODUCT_B, TENANT, productView } from './support';

const priced = () => [
  priceLine(productView(PRODUCT_A, { price: 1500, skus: ['STD', 'L'] }), { productId: PRODUCT_A, sku: 'L', quantity: 2 }),
  priceLine(productView(PRODUCT_B, { price: 250 }), { productId: PRODUCT_B, sku: 'STD', quantity: 1 }),
];

const order = (coupon: { code: string; discount: number } | null = null) =>
  buildOrder({
    id: '0190a0a0-0000-7000-8000-000000000001',
    tenantId: TENANT,
    buyerId: 'b1',
    storeId: 'main',
    lines: priced(),
    currency: 'EUR',
    subtotal: 3250,
    coupon,
    email: 'ada@example.com',
    payment: { provider: 'stripe', method: 'pm_card_visa' },
    now: NOW,
  });

describe('orders rules', () => {
  it('merges a variant asked for twice into one line, keeping the per-line limit', () => {
    expect(
      mergeLines([
        { productId: 'p', sku: 'A', quantity: 2 },
        { productId: 'p', sku: 'B', quantity: 1 },
        { productId: 'p', sku: 'A', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'p', sku: 'A', quantity: 5 },
      { productId: 'p', sku: 'B', quantity: 1 },
    ]);
    expect(() =>
      mergeLines([
        { productId: 'p', sku: 'A', quantity: 600 },
        { productId: 'p', sku: 'A', quantity: 401 },
      ]),
    ).toThrow(expect.objectContaining({ status: 422, code: 'quantity_too_large' }));
  });

  it("names the order's store only when every line is from one store", () => {
    expect(storeOf([productView(PRODUCT_A), productView(PRODUCT_B)])).toBe('main');
    expect(storeOf([productView(PRODUCT_A), productView(PRODUCT_B, { storeId: 'outlet' })])).toBeNull();
    expect(storeOf([])).toBeNull();
  });

  it('builds a pending order at version 1 with server prices and the payment terms', () => {
    const built = order();
    expect(built).toMatchObject({
      state: 'pending',
      version: 1,
      subtotal: 3250,
      discount: 0,
      total: 3250,
      coupon: null,
      paymentId: null,
      reservation: null,
      cancellation: null,
      createdAt: NOW.toISOString(),
      checkout: { provider: 'stripe', method: 'pm_card_visa', email: 'ada@example.com', total: 3250, currency: 'EUR' },
    });
    expect(built.lines).toEqual([
      { productId: PRODUCT_A, sku: 'L', name: `Product ${PRODUCT_A.slice(-4)} (Size L)`, quantity: 2, unitPrice: 1500, lineTotal: 3000 },
      { productId: PRODUCT_B, sku: 'STD', name: `Product ${PRODUCT_B.slice(-4)}`, quantity: 1, unitPrice: 250, lineTotal: 250 },
    ]);
  });

  it('takes the discount off the total, never below zero', () => {
    expect(order({ code: 'SAVE5', discount: 500 })).toMatchObject({
      discount: 500,
      total: 2750,
      coupon: { code: 'SAVE5', discount: 500 },
      checkout: { total: 2750 },
    });
    expect(order({ code: 'ALL', discount: 99_999 })).toMatchObject({ discount: 3250, total: 0, coupon: { discount: 3250 } });
  });

  it('leaves the payment method out without one, and out of the API answer always', () => {
    const withoutMethod = buildOrder({
      ...order(),
      id: 'x',
      tenantId: TENANT,
      buyerId: 'b',
      storeId: null,
      lines: priced(),
      currency: 'EUR',
      subtotal: 1,
      coupon: null,
      email: 'e@example.com',
      payment: { provider: 'paystack' },
      now: NOW,
    });
    expect(withoutMethod.checkout).not.toHaveProperty('method');
    const api = toApi(order());
    expect(api).not.toHaveProperty('checkout');
    expect(JSON.stringify(api)).not.toContain('pm_card_visa');
    expect(api.payment).toEqual({ provider: 'stripe', paymentId: null });
  });

  it("carries the order's reference in every event", () => {
    expect(orderRef(order())).toEqual({
      orderId: '0190a0a0-0000-7000-8000-000000000001',
      buyerId: 'b1',
      storeId: 'main',
      lines: order().lines,
      currency: 'EUR',
      total: 3250,
      email: 'ada@example.com',
      version: 1,
    });
  });

  it('shows an order to its buyer and to staff and above; to anyone else it does not exist', () => {
    const placed = order();
    expect(visibleTo({ userId: 'b1', roles: ['customer'] }, placed.id, placed)).toBe(placed);
    expect(visibleTo({ userId: 'someone', roles: ['staff'] }, placed.id, placed)).toBe(placed);
    expect(() => visibleTo({ userId: 'b2', roles: ['customer'] }, placed.id, placed)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => visibleTo({ userId: 'b1', roles: ['owner'] }, placed.id, undefined)).toThrow(expect.objectContaining({ status: 404 }));
    expect(isSeller({ roles: ['customer'] })).toBe(false);
    expect(isSeller({ roles: ['customer', 'manager'] })).toBe(true);
  });

  it('checks an If-Match version only when one was sent', () => {
    expect(() => assertVersion(order(), undefined)).not.toThrow();
    expect(() => assertVersion(order(), 1)).not.toThrow();
    expect(() => assertVersion(order(), 2)).toThrow(expect.objectContaining({ status: 412, extras: { version: 1 } }));
  });

  it('names a cancel after who made it, and lets someone who is both buyer and staff say which', () => {
    const placed = order();
    expect(cancelReasonOf({ userId: 'b1', roles: ['customer'] }, placed)).toBe('buyer_cancelled');
    expect(cancelReasonOf({ userId: 's1', roles: ['staff'] }, placed)).toBe('seller_cancelled');
    expect(cancelReasonOf({ userId: 'b1', roles: ['manager'] }, placed)).toBe('buyer_cancelled');
    expect(cancelReasonOf({ userId: 'b1', roles: ['manager'] }, placed, 'seller_cancelled')).toBe('seller_cancelled');
    expect(() => cancelReasonOf({ userId: 'b1', roles: ['customer'] }, placed, 'seller_cancelled')).toThrow(
      expect.objectContaining({ status: 422, code: 'cancel_reason_not_allowed', extras: { allowed: ['buyer_cancelled'] } }),
    );
  });
});
