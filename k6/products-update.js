import { call, ifMatch, pause } from './lib/api.js';
import { ownProduct, productPool, track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => ({ pool: productPool('Updated product') });

// Each VU edits its own product at the version it last saw (If-Match), as a seller's back office.
export default ({ pool }) => {
  const product = ownProduct(pool);
  if (!product) return;
  const reply = call('PATCH', 'products-update', {
    path: `/${product.id}`,
    headers: ifMatch(product.version),
    body: { name: `Updated product ${__VU}.${__ITER}`, price: { amount: 1000 + (__ITER % 5000), currency: 'EUR' } },
    checks: { 'one version on': (r) => r.json('version') === product.version + 1 },
  });
  track(product, reply);
  pause();
};
