import { call, ifMatch, pause } from './lib/api.js';
import { ownProduct, productPool, track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Products with a BASE variant (lib/api.js productBody), one per VU: the stock to count.
export const setup = () => ({ pool: productPool('Stocked product') });

let stock; // this VU's stock of its product's BASE variant: { version } once created

// A stocktake: each VU sets the count of its own variant. The first set creates the stock (201,
// no If-Match); every later one replaces it at the version last read (If-Match), as a seller's
// back office that keeps the ETag.
export default ({ pool }) => {
  const product = ownProduct(pool, 'Stocked product');
  if (!product) return;
  const onHand = 100 + ((__VU * 7 + __ITER) % 400);
  const body = { onHand, lowStockThreshold: 10 };
  if (!stock) {
    const created = call('PUT', 'inventory-set', {
      path: `/${product.id}/BASE`,
      body,
      status: 201,
      checks: { 'created at version 1': (r) => r.json('version') === 1 && r.json('available') === onHand },
    });
    if (created.ok) stock = { version: 1 };
  } else {
    const reply = call('PUT', 'inventory-set', {
      path: `/${product.id}/BASE`,
      headers: ifMatch(stock.version),
      body,
      checks: { 'count replaced': (r) => r.json('onHand') === onHand && r.json('available') === onHand - r.json('reserved') },
    });
    track(stock, reply);
  }
  pause();
};
