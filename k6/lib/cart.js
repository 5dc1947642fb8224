import { fail } from 'k6';
import { call, createProduct, uuid } from './api.js';

// The cart acts on the caller's own cart, and a load run has one TOKEN: one buyer. Scripts that
// change the cart run at most CART_MAX_VUS VUs (a buyer's tabs and devices, not a crowd: the
// cart's lock serialises one buyer's changes by design), each on its own variant of one product.

export const CART_MAX_VUS = 8;
const VARIANTS = 50;

/** In setup(): a product with variants V1..V50 at 19.99 EUR, seeded into the read model (products-get), and an empty cart. */
export const cartSetup = () => {
  const product = createProduct('Cart load product', {
    variants: Array.from({ length: VARIANTS }, (_, i) => ({ sku: `V${i + 1}`, name: `Variant ${i + 1}`, attributes: {} })),
  });
  if (!product) fail('setup: products-create did not answer 201');
  // The cart prices from the read model; products-get fills it on a miss, so no wait on the projection.
  if (!call('GET', 'products-get', { path: `/${product.id}` }).ok) fail('setup: products-get did not answer 200');
  if (!call('DELETE', 'cart-clear').ok) fail('setup: cart-clear did not answer 200');
  return { productId: product.id };
};

/** This VU's variant: disjoint from the other VUs' while there are at most 50. */
export const ownSku = () => `V${((__VU - 1) % VARIANTS) + 1}`;

export const lineOf = (res, productId, sku) => (res.json('items') || []).find((line) => line.productId === productId && line.sku === sku);

/** Adds `quantity` of this VU's variant (housekeeping for the scripts that need a line). */
export const addOwn = (productId, quantity = 1) => call('POST', 'cart-add-item', { body: { productId, sku: ownSku(), quantity } });

/** A coupon as a seller would create it: a fresh code, valid for a week. */
export const couponBody = (overrides = {}) => ({
  code: `K6-${uuid().replace(/-/g, '').slice(0, 12)}`,
  kind: 'percentage',
  value: 10,
  validUntil: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
  ...overrides,
});
