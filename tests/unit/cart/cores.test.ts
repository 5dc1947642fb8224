import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../layers/errors';
import { makeAddItem } from '../../../functions/cart/add-item';
import { makeApplyCoupon } from '../../../functions/cart/apply-coupon';
import { makeClearCart } from '../../../functions/cart/clear';
import { makeCouponLedger } from '../../../functions/cart/coupons';
import { makeCreateCoupon } from '../../../functions/cart/coupon-create';
import { CART_PRICE_FRESH_MS, cartReply, getCart, mutateCart, priceView, targetOf } from '../../../functions/cart/mutate';
import { makeReleaseOrderCoupon } from '../../../functions/cart/on-order-cancelled';
import { makeTakeOrderOut } from '../../../functions/cart/on-order-created';
import { makeRemoveItem } from '../../../functions/cart/remove-item';
import type { Coupon } from '../../../functions/cart/schemas';
import { couponInput } from '../../../functions/cart/schemas';
import { makeCartSnapshots } from '../../../functions/cart/snapshot';
import { makeUpdateItem } from '../../../functions/cart/update-item';
import { applyProductSnapshot, applyStock } from '../../../functions/products/read-model';
import { cartDepsFor, memoryCatalog, memoryCounters, product } from './fakes';

const T = 't1';
const B = 'buyer-1';
const target = { tenantId: T, buyerId: B };

const coupon = (overrides: Partial<Coupon> = {}): Coupon => ({
  code: 'SAVE10',
  tenantId: T,
  kind: 'percentage',
  value: 10,
  currency: null,
  minimumSpend: 0,
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  usageLimit: null,
  perCustomerLimit: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const failure = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return `${error.status} ${error.code}`;
    throw error;
  }
};

const world = async () => {
  const fakes = cartDepsFor();
  await fakes.views.update(T, 'p1', applyProductSnapshot(product(T, 'p1')));
  await fakes.views.update(T, 'p2', applyProductSnapshot(product(T, 'p2', { price: { amount: 200, currency: 'USD' } })));
  await fakes.views.update(T, 'p1', applyStock({ sku: 'L', available: 5, reserved: 0, version: 1 }));
  await fakes.catalog.insert(coupon(), []);
  return fakes;
};

describe('the coupon ledger core', () => {
  const ledgerWith = async (...coupons: Coupon[]) => {
    const catalog = memoryCatalog();
    const counters = memoryCounters();
    for (const c of coupons) await catalog.insert(c, []);
    return { ledger: makeCouponLedger({ catalog, counters }), counters };
  };
  const now = new Date('2026-06-01T00:00:00.000Z');
  const order = (orderId: string, customerId = 'c1', extra: Record<string, unknown> = {}) => ({
    tenantId: T,
    code: 'save10',
    customerId,
    orderId,
    subtotal: 2000,
    currency: 'EUR',
    now,
    ...extra,
  });

  it('quote validates without counting; unknown codes and other tenants are coupon_not_found', async () => {
    const { ledger, counters } = await ledgerWith(coupon({ usageLimit: 1 }));
    expect(await ledger.quote(order('x'))).toEqual({ code: 'SAVE10', discount: 200 });
    expect(counters.used.size).toBe(0);
    expect(await failure(ledger.quote({ ...order('x'), code: 'OTHER' }))).toBe('404 coupon_not_found');
    expect(await failure(ledger.quote({ ...order('x'), tenantId: 't2' }))).toBe('404 coupon_not_found');
    await ledger.redeem(order('o1'));
    expect(await failure(ledger.quote(order('x', 'c2')))).toBe('422 coupon_exhausted');
  });

  it('redeem counts once per order and returns the same redemption on a retry, even after the coupon expired', async () => {
    const { ledger, counters } = await ledgerWith(coupon({ usageLimit: 2 }));
    expect(await ledger.redeem(order('o1'))).toEqual({ code: 'SAVE10', discount: 200 });
    expect(await ledger.redeem(order('o1', 'c1', { now: new Date('2030-01-01T00:00:00.000Z'), subtotal: 1 }))).toEqual({ code: 'SAVE10', discount: 200 });
    expect(counters.used.get(`${T}:SAVE10`)).toBe(1);
  });

  it('redeem refuses an exhausted coupon, a customer at their limit, and an order that redeemed another coupon', async () => {
    const { ledger } = await ledgerWith(coupon({ usageLimit: 2, perCustomerLimit: 1 }), coupon({ code: 'OTHER' }));
    await ledger.redeem(order('o1', 'c1'));
    expect(await failure(ledger.redeem(order('o2', 'c1')))).toBe('422 coupon_customer_limit');
    await ledger.redeem(order('o3', 'c2'));
    expect(await failure(ledger.redeem(order('o4', 'c3')))).toBe('422 coupon_exhausted');
    expect(await failure(ledger.redeem({ ...order('o1', 'c1'), code: 'other' }))).toBe('409 coupon_order_conflict');
    expect(await failure(ledger.redeem({ ...order('o9'), subtotal: 0, currency: 'EUR', code: 'nope' }))).toBe('404 coupon_not_found');
  });

  it('release and releaseOrder give a redemption back once; unknown orders are no-ops', async () => {
    const { ledger, counters } = await ledgerWith(coupon({ usageLimit: 1 }));
    await ledger.redeem(order('o1'));
    await ledger.release({ tenantId: T, code: 'save10', customerId: 'c1', orderId: 'o1' });
    expect(counters.used.get(`${T}:SAVE10`)).toBe(0);
    await ledger.release({ tenantId: T, code: 'save10', customerId: 'c1', orderId: 'o1' });
    expect(counters.used.get(`${T}:SAVE10`)).toBe(0);
    await ledger.redeem(order('o2'));
    expect(await ledger.releaseOrder({ tenantId: T, orderId: 'o2' })).toEqual({ code: 'SAVE10', discount: 200 });
    expect(await ledger.releaseOrder({ tenantId: T, orderId: 'o2' })).toBeUndefined();
    expect(await ledger.releaseOrder({ tenantId: T, orderId: 'nope' })).toBeUndefined();
    // A released order may redeem again (a retried checkout with the same order id).
    expect(await ledger.redeem(order('o2'))).toEqual({ code: 'SAVE10', discount: 200 });
  });

  it('releaseOrder reports nothing when the release lost a race', async () => {
    const counters = memoryCounters();
    const ledger = makeCouponLedger({ catalog: memoryCatalog(), counters: { ...counters, release: async () => false } });
    counters.orders.set(`${T}:o1`, { code: 'SAVE10', customerId: 'c', discount: 5, state: 'redeemed' });
    expect(await ledger.releaseOrder({ tenantId: T, orderId: 'o1' })).toBeUndefined();
  });
});

describe('cart operations', () => {
  it('add-item prices from the read model under the cart lock and offers the view to the cache', async () => {
    const f = await world();
    const view = await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 2 });
    expect(view).toMatchObject({ buyerId: B, version: 1, subtotal: 3000, total: 3000, currency: 'EUR' });
    expect(f.lock.calls).toEqual([`carts/${T}:${B}`]);
    expect(f.cache.entries.get(`${T}:${B}`)?.view).toEqual(view);
    expect((await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 1 })).subtotal).toBe(4000);
  });

  it('add-item refuses what cannot be bought and writes nothing', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 4 });
    expect(await failure(makeAddItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 2 }))).toBe('422 insufficient_stock');
    expect(await failure(makeAddItem(f.deps)(target, { productId: 'p2', sku: 'S', quantity: 1 }))).toBe('422 mixed_currencies');
    expect(await failure(makeAddItem(f.deps)(target, { productId: 'p9', sku: 'S', quantity: 1 }))).toBe('422 product_unavailable');
    expect(await failure(makeAddItem(f.deps)({ ...target, expectedVersion: 7 }, { productId: 'p1', sku: 'S', quantity: 1 }))).toBe('412 precondition_failed');
    expect((await f.carts.read(T, B))?.version).toBe(1);
  });

  it('update-item checks the new quantity against stock and the rest of the cart’s currency', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 1 });
    expect((await makeUpdateItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 5 })).subtotal).toBe(7500);
    expect(await failure(makeUpdateItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 6 }))).toBe('422 insufficient_stock');
    expect(await failure(makeUpdateItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 1 }))).toBe('404 cart_line_not_found');
    // The only line may be changed whatever currency it is in.
    const g = await world();
    await g.views.update(T, 'p2', applyProductSnapshot(product(T, 'p2', { price: { amount: 200, currency: 'USD' } })));
    await makeAddItem(g.deps)(target, { productId: 'p2', sku: 'S', quantity: 1 });
    expect((await makeUpdateItem(g.deps)(target, { productId: 'p2', sku: 'S', quantity: 2 })).currency).toBe('USD');
  });

  it('remove-item and clear; clearing an empty cart writes nothing', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'L', quantity: 1 });
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 1 });
    expect((await makeRemoveItem(f.deps)(target, { productId: 'p1', sku: 'L' })).items).toHaveLength(1);
    expect(await makeClearCart(f.deps)(target)).toMatchObject({ version: 4, items: [], coupon: null });
    expect((await makeClearCart(f.deps)(target)).version).toBe(4);
  });

  it('apply-coupon stores the quoted code; a refusal changes nothing; null takes it off', async () => {
    const f = await world();
    await f.catalog.insert(coupon({ code: 'BIG', minimumSpend: 100_000 }), []);
    expect(await failure(makeApplyCoupon(f.deps)(target, 'SAVE10'))).toBe('422 cart_empty');
    expect(await failure(makeApplyCoupon(f.deps)(target, 'NONE'))).toBe('404 coupon_not_found');
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 3 });
    expect(await makeApplyCoupon(f.deps)(target, 'SAVE10')).toMatchObject({
      version: 2,
      subtotal: 3000,
      discount: 300,
      total: 2700,
      coupon: { code: 'SAVE10', valid: true },
    });
    expect((await makeApplyCoupon(f.deps)(target, 'SAVE10')).version).toBe(2);
    expect(await failure(makeApplyCoupon(f.deps)(target, 'BIG'))).toBe('422 coupon_minimum_spend');
    expect(await failure(makeApplyCoupon(f.deps)(target, 'NONE'))).toBe('404 coupon_not_found');
    expect((await f.carts.read(T, B))?.couponCode).toBe('SAVE10');
    expect(await makeApplyCoupon(f.deps)(target, null)).toMatchObject({ version: 3, coupon: null, discount: 0 });
    expect((await makeApplyCoupon(f.deps)(target, null)).version).toBe(3);
  });

  it('priceView shows a coupon that no longer applies as invalid; a server failure of the ledger is not hidden', async () => {
    const f = await world();
    const cart = {
      tenantId: T,
      buyerId: B,
      items: [{ productId: 'p1', sku: 'S', quantity: 1 }],
      couponCode: 'GONE',
      version: 1,
      updatedAt: null,
      appliedOrders: [],
    };
    expect((await priceView(f.deps, cart, new Date())).coupon).toEqual({ code: 'GONE', discount: 0, valid: false, problem: 'coupon_not_found' });
    const broken = { ...f.deps, ledger: { quote: async () => Promise.reject(new Error('redis down')) } };
    await expect(priceView(broken, cart, new Date())).rejects.toThrow('redis down');
  });

  it('a conditional write that loses → 409 cart_conflict', async () => {
    const f = await world();
    const deps = { ...f.deps, carts: { ...f.carts, write: async () => false } };
    expect(await failure(mutateCart(deps, target, async () => ({ items: [] })))).toBe('409 cart_conflict');
  });

  it('a failed cache write drops the entry instead of leaving an older one', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 1 });
    const drop = vi.fn(f.cache.drop);
    const deps = { ...f.deps, cache: { ...f.cache, drop, write: async () => Promise.reject(new Error('redis down')) } };
    await makeAddItem(deps)(target, { productId: 'p1', sku: 'S', quantity: 1 });
    expect(drop).toHaveBeenCalledWith(T, B);
    expect(f.cache.entries.has(`${T}:${B}`)).toBe(false);
  });
});

describe('getCart', () => {
  it('serves a fresh cache entry, prices a stale one again from the store, and falls back when the cache fails', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 2 });
    await f.views.update(T, 'p1', applyProductSnapshot(product(T, 'p1', { price: { amount: 1100, currency: 'EUR' }, version: 2 })));
    expect((await getCart(f.deps, T, B)).subtotal).toBe(2000);
    f.clock.now = new Date(f.clock.now.getTime() + CART_PRICE_FRESH_MS);
    expect((await getCart(f.deps, T, B)).subtotal).toBe(2200);
    expect(f.cache.entries.get(`${T}:${B}`)?.view.subtotal).toBe(2200);
    const deps = { ...f.deps, cache: { ...f.cache, read: async () => Promise.reject(new Error('redis down')) } };
    expect((await getCart(deps, T, B)).version).toBe(1);
  });

  it('an unknown buyer gets an empty cart at version 0', async () => {
    const f = await world();
    expect(await getCart(f.deps, T, 'nobody')).toMatchObject({ buyerId: 'nobody', version: 0, items: [], total: 0, updatedAt: null });
  });
});

describe('coupon-create core', () => {
  it('builds the coupon, writes it with its created event and nudges the relay', async () => {
    const insert = vi.fn(async () => undefined);
    const nudge = vi.fn();
    const created = await makeCreateCoupon({ catalog: { insert }, now: () => new Date('2026-01-01T00:00:00.000Z'), nudge })(
      couponInput.parse({ code: 'new-one', kind: 'fixed', value: 300, currency: 'EUR', validUntil: '2026-02-01T00:00:00Z' }),
      T,
    );
    expect(created).toMatchObject({ code: 'NEW-ONE', tenantId: T, kind: 'fixed', value: 300, validFrom: '2026-01-01T00:00:00.000Z' });
    const [, events] = insert.mock.calls[0] as unknown as [Coupon, { type: string; subject: string; tenantId: string; data: string }[]];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'cart.coupon.created.v1', subject: 'NEW-ONE', tenantId: T });
    expect(JSON.parse(events[0]!.data)).not.toHaveProperty('tenantId');
    expect(nudge).toHaveBeenCalledWith(T, 'NEW-ONE');
  });

  it('nudges nothing when the write fails', async () => {
    const nudge = vi.fn();
    const insert = async () => Promise.reject(new Error('dup'));
    await expect(
      makeCreateCoupon({ catalog: { insert }, now: () => new Date(), nudge })(
        couponInput.parse({ code: 'abc', kind: 'percentage', value: 5, validUntil: '2999-01-01T00:00:00Z' }),
        T,
      ),
    ).rejects.toThrow('dup');
    expect(nudge).not.toHaveBeenCalled();
  });
});

describe('order consumers and snapshots', () => {
  it('on-order-created takes the order out once; a buyer without a cart is left alone', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 2 });
    await makeApplyCoupon(f.deps)(target, 'SAVE10');
    const order = { orderId: 'o1', buyerId: B, lines: [{ productId: 'p1', sku: 'S', quantity: 2 }], coupon: { code: 'save10' } };
    expect(await makeTakeOrderOut(f.deps)(T, order)).toMatchObject({ version: 3, items: [], coupon: null });
    expect(await makeTakeOrderOut(f.deps)(T, order)).toMatchObject({ version: 3 });
    expect(await makeTakeOrderOut(f.deps)(T, { ...order, buyerId: 'nobody' })).toBeUndefined();
    expect(await f.carts.read(T, 'nobody')).toBeUndefined();
  });

  it('on-order-cancelled releases the order’s redemption through the ledger', async () => {
    const releaseOrder = vi.fn(async () => ({ code: 'SAVE10', discount: 1 }));
    expect(await makeReleaseOrderCoupon({ ledger: { releaseOrder } })(T, 'o1')).toEqual({ code: 'SAVE10', discount: 1 });
    expect(releaseOrder).toHaveBeenCalledWith({ tenantId: T, orderId: 'o1' });
  });

  it('snapshots copy the stored cart; none for a buyer without one', async () => {
    const f = await world();
    await makeAddItem(f.deps)(target, { productId: 'p1', sku: 'S', quantity: 2 });
    const snapshots = makeCartSnapshots(f.carts);
    expect(await snapshots.read(T, B)).toEqual({ items: [{ productId: 'p1', sku: 'S', quantity: 2 }], couponCode: null, version: 1 });
    expect(await snapshots.read(T, 'nobody')).toBeUndefined();
  });

  it('targetOf reads If-Match; cartReply sets the ETag and keeps the cart private', () => {
    expect(targetOf(T, B, undefined)).toEqual({ tenantId: T, buyerId: B });
    expect(targetOf(T, B, 'W/"4"')).toEqual({ tenantId: T, buyerId: B, expectedVersion: 4 });
    expect(cartReply({ version: 2 } as never).headers).toEqual({ etag: '"2"', 'cache-control': 'private, no-store' });
  });
});
