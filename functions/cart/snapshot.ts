import { cartStore, type CartStore } from './repository';

/**
 * The port orders-create uses to take an order from the buyer's cart: the stored cart (the write
 * model in Mongo, never the priced cache, which may lag), lines and coupon as the buyer left them.
 * Undefined when the buyer has no cart; an emptied cart is a snapshot with no items.
 */
export interface CartSnapshot {
  items: { productId: string; sku: string; quantity: number }[];
  couponCode: string | null;
  version: number;
}

export interface CartSnapshots {
  read(tenantId: string, buyerId: string): Promise<CartSnapshot | undefined>;
}

export const makeCartSnapshots = (store: Pick<CartStore, 'read'>): CartSnapshots => ({
  async read(tenantId, buyerId) {
    const cart = await store.read(tenantId, buyerId);
    if (!cart) return undefined;
    return { items: cart.items.map((line) => ({ ...line })), couponCode: cart.couponCode, version: cart.version };
  },
});

export const cartSnapshots = async (): Promise<CartSnapshots> => makeCartSnapshots(await cartStore());
