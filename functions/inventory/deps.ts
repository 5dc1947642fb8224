import { isFerretDb, redis } from '../../layers/connections';
import { makeDocumentLock, type DocumentLock } from '../../layers/locks';
import { viewStore } from '../products/read-model';
import { productStore } from '../products/repository';
import { inventoryConfig } from './config';
import { reservationStore, stockStore, type ReservationStore, type StockStore } from './repository';
import type { ReservationDeps } from './reservations';

// At cold start: an environment the schema refuses fails the function's load, not its first request.
const config = inventoryConfig();

/** Waiters on one lock spread their attempts (4–20 ms) rather than polling Redis in step. */
const jitteredSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms * (1 + Math.random() * 4)));

/**
 * The stock documents' lock: the same Redis lease as layers/locks (so the outbox relay's pull
 * queues on it too). A turn not had within 2 s sends the waiter back to look at the stock
 * (sold out meanwhile? then it is answered without the lock) before it queues again, for up to
 * STOCK_LOCK_WAIT_MS in all.
 */
const STOCK_LOCK_TURN_MS = 2_000;
const stockDocumentLock: DocumentLock = makeDocumentLock(
  { needed: isFerretDb, redis, sleep: jitteredSleep },
  { waitMs: Math.min(STOCK_LOCK_TURN_MS, config.STOCK_LOCK_WAIT_MS), retryMs: 4 },
);

/**
 * One step of an order at a time, on MongoDB too: a lease per order. Correctness does not rest
 * on it (every write is conditional on the state read), so it is short: a consumer killed while
 * holding it delays that order's next step by at most 20 s, and a step that waited 8 s answers
 * 503 and is redelivered rather than outliving the function's timeout.
 */
const orderLease = makeDocumentLock({ needed: async () => true, redis, sleep: jitteredSleep }, { ttlMs: 20_000, waitMs: 8_000, retryMs: 10 });

export const inventoryStores = async (): Promise<{ stock: StockStore; reservations: ReservationStore }> => ({
  stock: await stockStore(stockDocumentLock, config.STOCK_LOCK_WAIT_MS),
  reservations: await reservationStore(),
});

export const reservationDeps = async (): Promise<ReservationDeps> => ({
  ...(await inventoryStores()),
  now: () => new Date(),
  ttlMs: config.RESERVATION_TTL_SECONDS * 1000,
  lockOrder: (tenantId, orderId, work) => orderLease('inventory-order', `${tenantId}:${orderId}`, work),
});

/** What the tenant's catalogue says of a variant: the read model first, the products write model when it does not know (yet). */
export type VariantLookup = 'found' | 'no-product' | 'no-variant';

export interface Catalogue {
  variant(tenantId: string, productId: string, sku: string): Promise<VariantLookup>;
}

export const productCatalogue: Catalogue = {
  async variant(tenantId, productId, sku) {
    const view = await (await viewStore()).read(tenantId, productId);
    const live = view?.product && (view.deletedVersion ?? 0) < view.product.version;
    if (live && view.product!.variants.some((v) => v.sku === sku)) return 'found';
    const product = await (await productStore()).get(tenantId, productId);
    if (!product) return 'no-product';
    return product.variants.some((v) => v.sku === sku) ? 'found' : 'no-variant';
  },
};
