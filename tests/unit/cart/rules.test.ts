import { describe, expect, it } from 'vitest';
import { AppError } from '../../../layers/errors';
import {
  addLine,
  APPLIED_ORDERS_KEPT,
  assembleView,
  buildCoupon,
  cartCurrency,
  checkCoupon,
  checkUsage,
  checkVersion,
  CouponNotFoundError,
  discountFor,
  emptyCart,
  priceCart,
  removeLine,
  requireBuyable,
  setQuantity,
  takeOrderOut,
  type Cart,
} from '../../../functions/cart/rules';
import { addItemBody, applyCouponBody, couponInput, type Coupon } from '../../../functions/cart/schemas';
import { product, storedView } from './fakes';

const now = new Date('2026-03-01T12:00:00.000Z');
const codeOf = (work: () => unknown): string => {
  try {
    work();
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
};

const coupon = (overrides: Partial<Coupon> = {}): Coupon => ({
  code: 'SAVE10',
  tenantId: 't',
  kind: 'percentage',
  value: 10,
  currency: null,
  minimumSpend: 0,
  validFrom: '2026-03-01T00:00:00.000Z',
  validUntil: '2026-04-01T00:00:00.000Z',
  usageLimit: null,
  perCustomerLimit: null,
  createdAt: '2026-02-01T00:00:00.000Z',
  ...overrides,
});

const cart = (items: Cart['items'], overrides: Partial<Cart> = {}): Cart => ({ ...emptyCart('t', 'b'), items, version: 3, ...overrides });

describe('coupon rules', () => {
  it('buildCoupon fixes the window (validFrom defaults to now) and refuses terms that cannot work', () => {
    const input = couponInput.parse({ code: 'spring', kind: 'percentage', value: 20, validUntil: '2026-05-01T00:00:00Z' });
    expect(buildCoupon(input, { tenantId: 't', now })).toEqual({
      code: 'SPRING',
      tenantId: 't',
      kind: 'percentage',
      value: 20,
      currency: null,
      minimumSpend: 0,
      validFrom: now.toISOString(),
      validUntil: '2026-05-01T00:00:00.000Z',
      usageLimit: null,
      perCustomerLimit: null,
      createdAt: now.toISOString(),
    });
    const base = { code: 'x-1', validUntil: '2026-05-01T00:00:00Z' };
    expect(codeOf(() => buildCoupon(couponInput.parse({ ...base, kind: 'fixed', value: 5 }), { tenantId: 't', now }))).toBe('422 coupon_invalid');
    expect(codeOf(() => buildCoupon(couponInput.parse({ ...base, kind: 'percentage', value: 101 }), { tenantId: 't', now }))).toBe('422 coupon_invalid');
    expect(
      codeOf(() => buildCoupon(couponInput.parse({ ...base, kind: 'percentage', value: 5, validFrom: '2026-05-01T00:00:00Z' }), { tenantId: 't', now })),
    ).toBe('422 coupon_invalid');
    expect(codeOf(() => buildCoupon(couponInput.parse({ ...base, kind: 'fixed', value: 5, currency: 'EUR' }), { tenantId: 't', now }))).toBe('ok');
  });

  it('a percentage rounds up in the buyer’s favour; no discount exceeds the subtotal', () => {
    expect(discountFor({ kind: 'percentage', value: 15 }, 999)).toBe(150);
    expect(discountFor({ kind: 'percentage', value: 10 }, 1000)).toBe(100);
    expect(discountFor({ kind: 'percentage', value: 1 }, 1)).toBe(1);
    expect(discountFor({ kind: 'percentage', value: 100 }, 1234)).toBe(1234);
    expect(discountFor({ kind: 'percentage', value: 50 }, 0)).toBe(0);
    expect(discountFor({ kind: 'fixed', value: 500 }, 300)).toBe(300);
    expect(discountFor({ kind: 'fixed', value: 500 }, 3000)).toBe(500);
  });

  it('checkCoupon: window, currency and minimum spend with stable codes', () => {
    const order = { subtotal: 5000, currency: 'EUR', now };
    expect(checkCoupon(coupon(), order)).toBe(500);
    expect(codeOf(() => checkCoupon(coupon({ validFrom: '2026-03-02T00:00:00.000Z' }), order))).toBe('422 coupon_not_started');
    expect(codeOf(() => checkCoupon(coupon({ validUntil: now.toISOString() }), order))).toBe('422 coupon_expired');
    expect(codeOf(() => checkCoupon(coupon({ currency: 'USD' }), order))).toBe('422 coupon_currency');
    expect(checkCoupon(coupon({ currency: 'EUR', kind: 'fixed', value: 700 }), order)).toBe(700);
    expect(codeOf(() => checkCoupon(coupon({ minimumSpend: 5001 }), order))).toBe('422 coupon_minimum_spend');
    expect(checkCoupon(coupon({ minimumSpend: 5000 }), order)).toBe(500);
  });

  it('checkUsage: exhausted overall before the customer’s own limit', () => {
    expect(codeOf(() => checkUsage(coupon({ usageLimit: 5 }), { used: 4, byCustomer: 0 }))).toBe('ok');
    expect(codeOf(() => checkUsage(coupon({ usageLimit: 5 }), { used: 5, byCustomer: 0 }))).toBe('422 coupon_exhausted');
    expect(codeOf(() => checkUsage(coupon({ perCustomerLimit: 1 }), { used: 9, byCustomer: 1 }))).toBe('422 coupon_customer_limit');
    expect(codeOf(() => checkUsage(coupon(), { used: 1e6, byCustomer: 1e6 }))).toBe('ok');
  });

  it('CouponNotFoundError is a 404 NotFoundError with the stable code coupon_not_found', () => {
    const error = new CouponNotFoundError('X');
    expect(error).toMatchObject({ status: 404, code: 'coupon_not_found', extras: { resource: 'coupon' } });
    expect(error.message).toContain('X');
  });
});

describe('cart rules', () => {
  const a = { productId: 'p1', sku: 'S', quantity: 2 };
  it('addLine adds a new line or adds up a variant’s quantity, within 50 lines and 1000 units', () => {
    expect(addLine(cart([]), a)).toEqual([a]);
    expect(addLine(cart([a]), { ...a, quantity: 3 })).toEqual([{ ...a, quantity: 5 }]);
    expect(addLine(cart([a]), { ...a, sku: 'L' })).toEqual([a, { ...a, sku: 'L' }]);
    expect(codeOf(() => addLine(cart([{ ...a, quantity: 999 }]), { ...a, quantity: 2 }))).toBe('422 quantity_limit');
    expect(addLine(cart([{ ...a, quantity: 999 }]), { ...a, quantity: 1 })).toEqual([{ ...a, quantity: 1000 }]);
    const full = cart(Array.from({ length: 50 }, (_, i) => ({ ...a, sku: `V${i}` })));
    expect(codeOf(() => addLine(full, { ...a, sku: 'NEW' }))).toBe('422 cart_full');
    expect(addLine(full, { ...a, sku: 'V0', quantity: 1 })[0]).toEqual({ ...a, sku: 'V0', quantity: 3 });
  });

  it('setQuantity and removeLine act on an existing line, else 404 cart_line_not_found', () => {
    expect(setQuantity(cart([a, { ...a, sku: 'L' }]), 'p1', 'L', 7)).toEqual([a, { ...a, sku: 'L', quantity: 7 }]);
    expect(codeOf(() => setQuantity(cart([a]), 'p1', 'L', 7))).toBe('404 cart_line_not_found');
    expect(removeLine(cart([a, { ...a, sku: 'L' }]), 'p1', 'S')).toEqual([{ ...a, sku: 'L' }]);
    expect(codeOf(() => removeLine(cart([a]), 'p2', 'S'))).toBe('404 cart_line_not_found');
  });

  it('takeOrderOut removes what the order bought and its coupon, once per order', () => {
    const b = { productId: 'p2', sku: 'X', quantity: 1 };
    const before = cart([a, b], { couponCode: 'SAVE10' });
    expect(takeOrderOut(before, { orderId: 'o1', lines: [a, b], couponCode: 'SAVE10' })).toEqual({ items: [], couponCode: null, appliedOrders: ['o1'] });
    expect(takeOrderOut(before, { orderId: 'o1', lines: [{ ...a, quantity: 1 }], couponCode: null })).toEqual({
      items: [{ ...a, quantity: 1 }, b],
      couponCode: 'SAVE10',
      appliedOrders: ['o1'],
    });
    expect(takeOrderOut(cart([a], { appliedOrders: ['o1'] }), { orderId: 'o1', lines: [a], couponCode: null })).toBeUndefined();
    const many = Array.from({ length: APPLIED_ORDERS_KEPT }, (_, i) => `o${i}`);
    expect(takeOrderOut(cart([a], { appliedOrders: many }), { orderId: 'new', lines: [], couponCode: null })?.appliedOrders).toEqual([...many.slice(1), 'new']);
  });

  it('checkVersion: an If-Match naming another version → 412', () => {
    expect(codeOf(() => checkVersion(cart([]), undefined))).toBe('ok');
    expect(codeOf(() => checkVersion(cart([]), 3))).toBe('ok');
    expect(codeOf(() => checkVersion(cart([]), 2))).toBe('412 precondition_failed');
  });

  it('requireBuyable: priced from the view, in the cart’s currency, within known stock', () => {
    const view = storedView(product('t', 'p1'), { S: 3 });
    expect(requireBuyable(view, { productId: 'p1', sku: 'L', quantity: 2 }, 'EUR')).toMatchObject({ unitPrice: 1500, lineTotal: 3000 });
    expect(requireBuyable(view, { productId: 'p1', sku: 'S', quantity: 3 }, null)).toMatchObject({ unitPrice: 1000 });
    expect(codeOf(() => requireBuyable(view, { productId: 'p1', sku: 'S', quantity: 4 }, null))).toBe('422 insufficient_stock');
    expect(codeOf(() => requireBuyable(view, { productId: 'p1', sku: 'S', quantity: 1 }, 'USD'))).toBe('422 mixed_currencies');
    expect(codeOf(() => requireBuyable(undefined, { productId: 'p1', sku: 'S', quantity: 1 }, null))).toBe('422 product_unavailable');
    expect(codeOf(() => requireBuyable(view, { productId: 'p1', sku: 'Q', quantity: 1 }, null))).toBe('422 variant_not_found');
  });

  it('priceCart keeps unbuyable lines, marked, at zero; the first buyable line sets the currency', () => {
    const eur = storedView(product('t', 'p1'));
    const usd = storedView(product('t', 'p3', { price: { amount: 10, currency: 'USD' }, variants: [{ sku: 'S', name: 'S', attributes: {} }] }));
    const draft = storedView(product('t', 'p4', { status: 'draft' }));
    const views = new Map([
      ['p1', eur],
      ['p3', usd],
      ['p4', draft],
    ]);
    const priced = priceCart(
      [
        { productId: 'p1', sku: 'L', quantity: 2 },
        { productId: 'p3', sku: 'S', quantity: 1 },
        { productId: 'p4', sku: 'S', quantity: 1 },
        { productId: 'p9', sku: 'S', quantity: 1 },
      ],
      views,
    );
    expect(priced.currency).toBe('EUR');
    expect(priced.subtotal).toBe(3000);
    expect(priced.lines.map((line) => [line.available, line.problem, line.lineTotal])).toEqual([
      [true, null, 3000],
      [false, 'mixed_currencies', 0],
      [false, 'product_unavailable', 0],
      [false, 'product_unavailable', 0],
    ]);
    expect(cartCurrency(priced)).toBe('EUR');
    const nothing = priceCart([{ productId: 'p9', sku: 'S', quantity: 1 }], views, 'GBP');
    expect(nothing).toMatchObject({ currency: 'GBP', subtotal: 0 });
    expect(cartCurrency(nothing)).toBeNull();
    expect(() =>
      priceCart([{ productId: 'p1', sku: 'S', quantity: 1 }], {
        get: () => {
          throw new Error('boom');
        },
      } as never),
    ).toThrow('boom');
  });

  it('assembleView totals subtotal minus a valid coupon’s discount; an invalid coupon shows its problem', () => {
    const priced = priceCart([{ productId: 'p1', sku: 'S', quantity: 1 }], new Map([['p1', storedView(product('t', 'p1'))]]));
    const withCode = cart([{ productId: 'p1', sku: 'S', quantity: 1 }], { couponCode: 'SAVE10' });
    expect(assembleView(withCode, priced, { discount: 100 }, now)).toMatchObject({
      subtotal: 1000,
      discount: 100,
      total: 900,
      coupon: { code: 'SAVE10', discount: 100, valid: true, problem: null },
      version: 3,
      pricedAt: now.toISOString(),
    });
    expect(assembleView(withCode, priced, { discount: 5000 }, now)).toMatchObject({ discount: 1000, total: 0 });
    expect(assembleView(withCode, priced, { problem: 'coupon_expired' }, now)).toMatchObject({
      discount: 0,
      total: 1000,
      coupon: { code: 'SAVE10', valid: false, problem: 'coupon_expired', discount: 0 },
    });
    expect(assembleView({ ...withCode, couponCode: null }, priced, null, now).coupon).toBeNull();
  });
});

describe('request schemas refuse what the server computes', () => {
  it('add-item is strict: no price, no total; quantities are integers 1..1000', () => {
    const ok = { productId: '0190a0a0-0000-7000-8000-000000000001', sku: 'S', quantity: 1 };
    expect(addItemBody.safeParse(ok).success).toBe(true);
    expect(addItemBody.safeParse({ ...ok, unitPrice: 1 }).success).toBe(false);
    for (const quantity of [0, -1, 1.5, 1001, '1']) expect(addItemBody.safeParse({ ...ok, quantity }).success).toBe(false);
  });
  it('coupon codes are case-insensitive; null takes the coupon off', () => {
    expect(applyCouponBody.parse({ code: ' spring-25 ' })).toEqual({ code: 'SPRING-25' });
    expect(applyCouponBody.parse({ code: null })).toEqual({ code: null });
    expect(applyCouponBody.safeParse({ code: 'x' }).success).toBe(false);
    expect(applyCouponBody.safeParse({ code: { $ne: '' } }).success).toBe(false);
  });
});
