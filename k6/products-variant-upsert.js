import { call, ifMatch, pause } from './lib/api.js';
import { ownProduct, productPool, track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

const SIZES = ['XS', 'S', 'M', 'L', 'XL'];

export const setup = () => ({ pool: productPool('Product with sizes') });

// Each VU adds, then replaces, the sizes of its own product, at the version it last saw.
export default ({ pool }) => {
  const product = ownProduct(pool);
  if (!product) return;
  const size = SIZES[__ITER % SIZES.length];
  const reply = call('PUT', 'products-variant-upsert', {
    path: `/${product.id}/variants/SIZE-${size}`,
    headers: ifMatch(product.version),
    body: { name: `Size ${size}`, price: { amount: 2000 + __ITER, currency: 'EUR' }, attributes: { size } },
    checks: { 'has the variant': (r) => r.json('variants').some((v) => v.sku === `SIZE-${size}`) },
  });
  track(product, reply);
  pause();
};
