import { makeCouponLedger } from '../../../functions/cart/coupons';
import type { CartDeps } from '../../../functions/cart/deps';
import type { CartStore, CouponCatalog } from '../../../functions/cart/repository';
import type { Cart } from '../../../functions/cart/rules';
import type { Coupon, CartView } from '../../../functions/cart/schemas';
import type { CartCache, RedeemOutcome, Redemption, RedemptionCounters } from '../../../functions/cart/store';
import { applyProductSnapshot, applyStock, type StoredView } from '../../../functions/products/read-model';
import type { Product } from '../../../functions/products/schemas';
import { memoryViewStore } from '../../support/memory-stores';

/** In-memory doubles of the cart service's ports, with the same semantics as the Mongo and Redis ones. */
export const memoryCartStore = (): CartStore & { carts: Map<string, Cart> } => {
  const carts = new Map<string, Cart>();
  const key = (tenantId: string, buyerId: string) => `${tenantId}:${buyerId}`;
  return {
    carts,
    async read(tenantId, buyerId) {
      const cart = carts.get(key(tenantId, buyerId));
      return cart && structuredClone(cart);
    },
    async write(next, expectedVersion) {
      const current = carts.get(key(next.tenantId, next.buyerId));
      if ((current?.version ?? 0) !== expectedVersion) return false;
      carts.set(key(next.tenantId, next.buyerId), structuredClone(next));
      return true;
    },
  };
};

export const memoryCartCache = (): CartCache & { entries: Map<string, { view: CartView; pricedAt: number }> } => {
  const entries = new Map<string, { view: CartView; pricedAt: number }>();
  return {
    entries,
    async read(tenantId, buyerId) {
      return entries.get(`${tenantId}:${buyerId}`);
    },
    async write(tenantId, view, pricedAt) {
      const current = entries.get(`${tenantId}:${view.buyerId}`);
      if (current && (current.view.version > view.version || (current.view.version === view.version && current.pricedAt >= pricedAt))) return false;
      entries.set(`${tenantId}:${view.buyerId}`, { view, pricedAt });
      return true;
    },
    async drop(tenantId, buyerId) {
      entries.delete(`${tenantId}:${buyerId}`);
    },
  };
};

export const memoryCatalog = (): CouponCatalog & { coupons: Map<string, Coupon> } => {
  const coupons = new Map<string, Coupon>();
  return {
    coupons,
    async insert(coupon) {
      coupons.set(`${coupon.tenantId}:${coupon.code}`, coupon);
    },
    async find(tenantId, code) {
      return coupons.get(`${tenantId}:${code}`);
    },
  };
};

export const memoryCounters = (): RedemptionCounters & { used: Map<string, number>; byCustomer: Map<string, number>; orders: Map<string, Redemption> } => {
  const used = new Map<string, number>();
  const byCustomer = new Map<string, number>();
  const orders = new Map<string, Redemption>();
  return {
    used,
    byCustomer,
    orders,
    async redeem({ tenantId, code, customerId, orderId, discount, usageLimit, perCustomerLimit }): Promise<RedeemOutcome> {
      const rec = orders.get(`${tenantId}:${orderId}`);
      if (rec?.state === 'redeemed')
        return rec.code === code ? { outcome: 'existing', code, discount: rec.discount } : { outcome: 'order_conflict', code: rec.code };
      const u = used.get(`${tenantId}:${code}`) ?? 0;
      if (usageLimit !== null && u >= usageLimit) return { outcome: 'exhausted' };
      const c = byCustomer.get(`${tenantId}:${code}:${customerId}`) ?? 0;
      if (perCustomerLimit !== null && c >= perCustomerLimit) return { outcome: 'customer_limit' };
      used.set(`${tenantId}:${code}`, u + 1);
      byCustomer.set(`${tenantId}:${code}:${customerId}`, c + 1);
      orders.set(`${tenantId}:${orderId}`, { code, customerId, discount, state: 'redeemed' });
      return { outcome: 'redeemed', code, discount };
    },
    async usage(tenantId, code, customerId) {
      return { used: used.get(`${tenantId}:${code}`) ?? 0, byCustomer: byCustomer.get(`${tenantId}:${code}:${customerId}`) ?? 0 };
    },
    async redemptionOf(tenantId, orderId) {
      return orders.get(`${tenantId}:${orderId}`);
    },
    async release(tenantId, orderId, code) {
      const rec = orders.get(`${tenantId}:${orderId}`);
      if (!rec || rec.state !== 'redeemed' || rec.code !== code) return false;
      used.set(`${tenantId}:${code}`, Math.max(0, (used.get(`${tenantId}:${code}`) ?? 0) - 1));
      const k = `${tenantId}:${code}:${rec.customerId}`;
      byCustomer.set(k, Math.max(0, (byCustomer.get(k) ?? 0) - 1));
      orders.set(`${tenantId}:${orderId}`, { ...rec, state: 'released' });
      return true;
    },
  };
};

export const product = (tenantId: string, id: string, overrides: Partial<Product> = {}): Product => ({
  id,
  tenantId,
  storeId: 's',
  name: 'Mug',
  description: '',
  category: 'c',
  tags: [],
  status: 'active',
  price: { amount: 1000, currency: 'EUR' },
  variants: [
    { sku: 'S', name: 'Small', attributes: {} },
    { sku: 'L', name: 'Large', attributes: {}, price: { amount: 1500, currency: 'EUR' } },
  ],
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

export const storedView = (p: Product, stock: Record<string, number> = {}): StoredView => {
  let view: StoredView = applyProductSnapshot(p)({ stock: {}, rev: 0 })!;
  for (const [sku, available] of Object.entries(stock)) view = applyStock({ sku, available, reserved: 0, version: 1 })(view)!;
  return view;
};

/** A lock that serialises per id in process, like the Redis lease does across processes. */
export const memoryLock = () => {
  const tails = new Map<string, Promise<unknown>>();
  const calls: string[] = [];
  const lock = async <T>(scope: string, id: string, work: () => Promise<T>): Promise<T> => {
    calls.push(`${scope}/${id}`);
    const key = `${scope}/${id}`;
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    tails.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  };
  return Object.assign(lock, { calls });
};

/** Cart deps over the doubles, with the real ledger core; the clock can be moved. */
export const cartDepsFor = (start = new Date('2026-03-01T12:00:00.000Z')) => {
  const carts = memoryCartStore();
  const cache = memoryCartCache();
  const views = memoryViewStore();
  const catalog = memoryCatalog();
  const counters = memoryCounters();
  const lock = memoryLock();
  const clock = { now: start };
  const deps: CartDeps = { carts, cache, views, lock, ledger: makeCouponLedger({ catalog, counters }), now: () => clock.now };
  return { deps, carts, cache, views, catalog, counters, lock, clock };
};

export type CartFakes = ReturnType<typeof cartDepsFor>;
