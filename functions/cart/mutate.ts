import { AppError, ConflictError } from '../../layers/errors';
import { etagOf, versionFromEtag } from '../../layers/http/versioning';
import { metrics } from '../../layers/metrics';
import type { StoredView } from '../products/read-model';
import type { CartDeps } from './deps';
import { cartId } from './model';
import { assembleView, checkVersion, emptyCart, priceCart, type Cart, type CartLine, type CouponOutcome } from './rules';
import type { CartView } from './schemas';
import { CART_LOCK_SCOPE } from './store';

/**
 * The cart's one read-modify-write path and its pricing, shared by every cart operation:
 * under the buyer's cart lock, read the cart, apply the change, write it conditionally on the
 * version read; then price it from the read model and offer it to the versioned cache.
 */

/** How long a cached priced cart is served before cart-get prices it again (product prices may have moved). */
export const CART_PRICE_FRESH_MS = 60_000;

/** The read-model views of the given products, each read once. */
export const readViews = async (views: CartDeps['views'], tenantId: string, productIds: readonly string[]): Promise<Map<string, StoredView | undefined>> => {
  const ids = [...new Set(productIds)];
  const found = await Promise.all(ids.map((id) => views.read(tenantId, id)));
  return new Map(ids.map((id, index) => [id, found[index]]));
};

/** Prices a cart: lines from the read model, its coupon through the ledger's quote (a refusal shows as the coupon's problem). */
export const priceView = async (deps: Pick<CartDeps, 'views' | 'ledger'>, cart: Cart, now: Date): Promise<CartView> => {
  const priced = priceCart(
    cart.items,
    await readViews(
      deps.views,
      cart.tenantId,
      cart.items.map((line) => line.productId),
    ),
  );
  let coupon: CouponOutcome | null = null;
  if (cart.couponCode !== null) {
    try {
      const quote = await deps.ledger.quote({
        tenantId: cart.tenantId,
        code: cart.couponCode,
        customerId: cart.buyerId,
        subtotal: priced.subtotal,
        currency: priced.currency,
        now,
      });
      coupon = { discount: quote.discount };
    } catch (error) {
      if (!(error instanceof AppError) || !error.isClientError) throw error;
      coupon = { problem: error.code };
    }
  }
  return assembleView(cart, priced, coupon, now);
};

/** Offers a priced cart to the cache; a failed write drops the entry rather than leave an older one served. */
const offerToCache = async (deps: Pick<CartDeps, 'cache'>, tenantId: string, view: CartView, pricedAt: Date): Promise<void> => {
  try {
    await deps.cache.write(tenantId, view, pricedAt.getTime());
  } catch {
    await deps.cache.drop(tenantId, view.buyerId).catch(() => undefined);
  }
};

/** The changed fields of a cart, or undefined for no change (nothing written). */
export type CartChange = (cart: Cart) => Promise<Partial<Pick<Cart, 'items' | 'couponCode' | 'appliedOrders'>> | undefined>;

export interface MutationTarget {
  tenantId: string;
  buyerId: string;
  /** The version named by If-Match, if the client sent one. */
  expectedVersion?: number;
}

/** Applies `change` to the buyer's cart under the cart lock and returns the priced result. */
export const mutateCart = async (deps: CartDeps, target: MutationTarget, change: CartChange): Promise<CartView> => {
  const { tenantId, buyerId } = target;
  const next = await deps.lock(CART_LOCK_SCOPE, cartId(tenantId, buyerId), async () => {
    const cart = (await deps.carts.read(tenantId, buyerId)) ?? emptyCart(tenantId, buyerId);
    checkVersion(cart, target.expectedVersion);
    const patch = await change(cart);
    if (!patch) return cart;
    const changed: Cart = { ...cart, ...patch, version: cart.version + 1, updatedAt: deps.now().toISOString() };
    // The lease may have run out under a stalled holder: the conditional write is the last word.
    if (!(await deps.carts.write(changed, cart.version))) throw new ConflictError('The cart changed meanwhile; retry.', 'cart_conflict');
    return changed;
  });
  const now = deps.now();
  const view = await priceView(deps, next, now);
  await offerToCache(deps, tenantId, view, now);
  return view;
};

/** The buyer's priced cart: from the cache while fresh, else from Mongo, priced again and offered to the cache. */
export const getCart = async (deps: CartDeps, tenantId: string, buyerId: string): Promise<CartView> => {
  const now = deps.now();
  const cached = await deps.cache.read(tenantId, buyerId).catch(() => undefined);
  if (cached && now.getTime() - cached.pricedAt < CART_PRICE_FRESH_MS) {
    metrics.readModelLookups.inc({ model: 'cart', result: 'hit' });
    return cached.view;
  }
  metrics.readModelLookups.inc({ model: 'cart', result: cached ? 'stale' : 'miss' });
  const cart = (await deps.carts.read(tenantId, buyerId)) ?? emptyCart(tenantId, buyerId);
  const view = await priceView(deps, cart, now);
  await offerToCache(deps, tenantId, view, now);
  return view;
};

/** The lines of a cart other than one variant's (for the currency the rest of the cart is in). */
export const otherLines = (cart: Cart, productId: string, sku: string): CartLine[] =>
  cart.items.filter((line) => line.productId !== productId || line.sku !== sku);

/** The buyer's cart named by a request: the caller's own, with the If-Match version if sent. */
export const targetOf = (tenantId: string, buyerId: string, ifMatch: string | undefined): MutationTarget =>
  ifMatch === undefined ? { tenantId, buyerId } : { tenantId, buyerId, expectedVersion: versionFromEtag(ifMatch) };

/** Every cart operation answers with the priced cart and its version as ETag; a cart is private. */
export const cartReply = (view: CartView): { body: CartView; headers: Record<string, string> } => ({
  body: view,
  headers: { etag: etagOf(view.version), 'cache-control': 'private, no-store' },
});
