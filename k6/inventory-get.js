import { fail } from 'k6';
import { call, createProducts, pause, pick } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Realistic data through the API: 20 products, each variant's stock set by the seller.
export const setup = () => {
  const products = createProducts(20, (i) => `Stock-read product ${i}`);
  for (const [i, product] of products.entries()) {
    const { ok } = call('PUT', 'inventory-set', { path: `/${product.id}/BASE`, body: { onHand: 50 + i, lowStockThreshold: 5 }, status: 201 });
    if (!ok) fail(`setup: inventory-set did not answer 201 (product ${i})`);
  }
  return { ids: products.map((p) => p.id) };
};

// A shopper (or the storefront) reads a variant's stock level.
export default ({ ids }) => {
  const id = pick(ids);
  call('GET', 'inventory-get', {
    path: `/${id}/BASE`,
    checks: { 'levels add up': (r) => r.json('productId') === id && r.json('available') === r.json('onHand') - r.json('reserved') },
  });
  pause();
};
