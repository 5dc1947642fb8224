import { vi } from 'vitest';
import type { OutboxEntry } from '../../../layers/events/outbox';
import { ConflictError, UnprocessableError } from '../../../layers/errors';
import type { CreateOrderDeps } from '../../../functions/orders/deps';
import type { OrderViewChange, StoredOrderView } from '../../../functions/orders/projection';
import type { OrderStore } from '../../../functions/orders/repository';
import type { Order, OrderSummary } from '../../../functions/orders/schemas';
import type { OrderIndex, OrderViewStore } from '../../../functions/orders/store';
import type { StoredView } from '../../../functions/products/read-model';
import { buildProduct } from '../../../functions/products/rules';
import { productInput } from '../../../functions/products/schemas';
import type { CartSnapshot } from '../../../functions/cart/snapshot';

/** In-memory ports of the orders cores; the Mongo and Redis adapters have integration tests. */

export const TENANT = 't1';
export const BUYER = 'buyer-1';
export const NOW = new Date('2026-11-25T10:00:00.000Z');

export const memoryOrderStore = () => {
  const rows = new Map<string, { order: Order; outbox: OutboxEntry[] }>();
  const key = (tenantId: string, id: string) => `${tenantId}/${id}`;
  const store: OrderStore = {
    async insert(order, events) {
      if (rows.has(key(order.tenantId, order.id))) throw Object.assign(new Error('duplicate key'), { code: 11000 });
      rows.set(key(order.tenantId, order.id), { order: structuredClone(order), outbox: [...events] });
    },
    async get(tenantId, id) {
      const row = rows.get(key(tenantId, id));
      return row ? structuredClone(row.order) : undefined;
    },
    async transition(next, expected, events) {
      const row = rows.get(key(next.tenantId, next.id));
      if (!row || row.order.state !== expected.state || row.order.version !== expected.version) return false;
      rows.set(key(next.tenantId, next.id), { order: structuredClone(next), outbox: [...row.outbox, ...events] });
      return true;
    },
  };
  const row = (id: string, tenantId = TENANT) => rows.get(key(tenantId, id))!;
  const eventsOf = (id: string, tenantId = TENANT) => row(id, tenantId).outbox;
  return { store, rows, row, eventsOf };
};

/** The read model's port over a Map, sorted like the Redis indexes (by id, newest first). */
export const memoryOrderViews = () => {
  const views = new Map<string, StoredOrderView>();
  const indexes = new Map<string, Set<string>>();
  const indexKey = (tenantId: string, index: OrderIndex) => (index.kind === 'buyer' ? `${tenantId}/b/${index.buyerId}` : `${tenantId}/t`);
  const store: OrderViewStore = {
    async read(tenantId, orderId) {
      return views.get(`${tenantId}/${orderId}`);
    },
    async update(tenantId, orderId, change: OrderViewChange) {
      const next = change(views.get(`${tenantId}/${orderId}`));
      if (!next) return false;
      views.set(`${tenantId}/${orderId}`, next);
      for (const index of [indexKey(tenantId, { kind: 'buyer', buyerId: next.order.buyerId }), indexKey(tenantId, { kind: 'seller' })]) {
        indexes.set(index, (indexes.get(index) ?? new Set()).add(orderId));
      }
      return true;
    },
    async page(tenantId, index, after, limit) {
      const ids = [...(indexes.get(indexKey(tenantId, index)) ?? [])].sort().reverse();
      return ids
        .filter((id) => after === undefined || id < after)
        .slice(0, limit)
        .map((id) => views.get(`${tenantId}/${id}`)!.order as OrderSummary);
    },
  };
  return { store, views };
};

export const productView = (
  id: string,
  options: { price?: number; currency?: string; status?: string; storeId?: string; skus?: string[] } = {},
): StoredView => ({
  product: buildProduct(
    productInput.parse({
      storeId: options.storeId ?? 'main',
      name: `Product ${id.slice(-4)}`,
      status: options.status ?? 'active',
      price: { amount: options.price ?? 1500, currency: options.currency ?? 'EUR' },
      variants: (options.skus ?? ['STD']).map((sku) => ({ sku, name: sku === 'STD' ? `Product ${id.slice(-4)}` : `Size ${sku}`, attributes: {} })),
    }),
    { id, tenantId: TENANT, now: NOW },
  ),
  stock: {},
  rev: 1,
});

export const PRODUCT_A = '0190a0a0-0000-7000-8000-00000000000a';
export const PRODUCT_B = '0190a0a0-0000-7000-8000-00000000000b';

/** A coupon ledger as the cart's: a fixed discount per code, idempotent per order, with its redemptions visible. */
export const memoryCoupons = (discounts: Record<string, number> = { SAVE5: 500 }) => {
  const redeemed = new Map<string, { code: string; discount: number }>();
  return {
    redeemed,
    redeem: vi.fn(async (input: { code: string; orderId: string; subtotal: number; currency: string }) => {
      const code = input.code.toUpperCase();
      const discount = discounts[code];
      if (discount === undefined) throw new UnprocessableError(`No coupon ${code}.`, 'coupon_not_found');
      const redemption = { code, discount: Math.min(discount, input.subtotal) };
      redeemed.set(input.orderId, redemption);
      return redemption;
    }),
    release: vi.fn(async (input: { orderId: string }) => void redeemed.delete(input.orderId)),
  };
};

export const setupCreate = (options: { cart?: CartSnapshot; discounts?: Record<string, number> } = {}) => {
  const orders = memoryOrderStore();
  const coupons = memoryCoupons(options.discounts);
  const productViews = new Map<string, StoredView>([
    [PRODUCT_A, productView(PRODUCT_A, { price: 1500, skus: ['STD', 'L'] })],
    [PRODUCT_B, productView(PRODUCT_B, { price: 250 })],
  ]);
  let counter = 0;
  const deps: CreateOrderDeps = {
    store: orders.store,
    now: () => NOW,
    nudge: vi.fn(),
    newId: () => `0190a0a0-0000-7000-8000-${String(++counter).padStart(12, '0')}`,
    views: { read: async (tenantId, productId) => (tenantId === TENANT ? productViews.get(productId) : undefined) },
    coupons,
    carts: { read: vi.fn(async (tenantId: string, buyerId: string) => (tenantId === TENANT && buyerId === BUYER ? options.cart : undefined)) },
  };
  return { deps, orders, coupons, productViews };
};

/** A store whose next `transition` loses the race: another writer moves the order first. */
export const racingStore = (base: OrderStore, interfere: () => Promise<void>, times = 1): OrderStore => {
  let left = times;
  return {
    ...base,
    async transition(next, expected, events) {
      if (left > 0) {
        left -= 1;
        await interfere();
      }
      return base.transition(next, expected, events);
    },
  };
};

export const conflictOf = (error: unknown) => (error instanceof ConflictError ? { status: error.status, code: error.code, extras: error.extras } : error);
