import { nudgeOutbox } from '../../layers/events/outbox';
import type { DocumentLock } from '../../layers/locks';
import { viewStore, type ViewStore } from '../products/read-model';
import { couponLedger, type CouponLedger } from './coupons';
import { couponCreated } from './events';
import { couponId } from './model';
import { cartStore, couponCatalog, type CartStore, type CouponCatalog } from './repository';
import { cartCache, cartLock, type CartCache } from './store';

/** What cart operations need from the outside world; handlers wire the real ones. */
export interface CartDeps {
  carts: CartStore;
  cache: CartCache;
  /** The buyer's cart lock (a Redis lease with a TTL) held around every read-modify-write of a cart. */
  lock: DocumentLock;
  /** The product read model: the only source of prices. */
  views: Pick<ViewStore, 'read'>;
  ledger: Pick<CouponLedger, 'quote'>;
  now: () => Date;
}

export const cartDeps = async (): Promise<CartDeps> => ({
  carts: await cartStore(),
  cache: await cartCache(),
  lock: cartLock,
  views: await viewStore(),
  ledger: await couponLedger(),
  now: () => new Date(),
});

export interface CouponDeps {
  catalog: Pick<CouponCatalog, 'insert'>;
  now: () => Date;
  /** Wakes the outbox relay for the coupon just written; best effort. */
  nudge: (tenantId: string, code: string) => void;
}

export const couponDeps = async (): Promise<CouponDeps> => ({
  catalog: await couponCatalog(),
  now: () => new Date(),
  nudge: (tenantId, code) => nudgeOutbox({ ...couponCreated.aggregate, id: couponId(tenantId, code) }),
});
