import { call, ifMatch, pause } from './lib/api.js';
import { ownProduct, productPool, track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => ({ pool: productPool('Product with a seasonal variant') });

// Each iteration adds a seasonal variant to the VU's own product and, a moment later, removes
// it again, each write at the version (ETag) the previous one answered with.
export default ({ pool }) => {
  const product = ownProduct(pool);
  if (!product) return;
  const sku = `SEASON-${__ITER}`;
  const added = call('PUT', 'products-variant-upsert', {
    path: `/${product.id}/variants/${sku}`,
    headers: ifMatch(product.version),
    body: { name: `Season ${__ITER}`, attributes: { season: 'winter' } },
  });
  if (!track(product, added)) return;
  pause();
  const removed = call('DELETE', 'products-variant-delete', {
    path: `/${product.id}/variants/${sku}`,
    headers: ifMatch(product.version),
    checks: { 'variant gone': (r) => !r.json('variants').some((v) => v.sku === sku) },
  });
  track(product, removed);
  pause();
};
