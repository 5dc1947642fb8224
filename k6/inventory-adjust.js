import { fail } from 'k6';
import { call, pause, uuid } from './lib/api.js';
import { ownProduct, productPool } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// One product per VU, its BASE variant stocked with 1000 units.
export const setup = () => {
  const pool = productPool('Adjusted product');
  for (const product of pool) {
    const { ok } = call('PUT', 'inventory-set', { path: `/${product.id}/BASE`, body: { onHand: 1000 }, status: 201 });
    if (!ok) fail(`setup: inventory-set did not answer 201 (${product.id})`);
  }
  return { pool };
};

let stocked = false; // a VU past the pool stocks its own product first

// Deliveries in and breakages out on the VU's own variant, each with a reason and its own
// Idempotency-Key; every tenth is retried with the same key, which must replay, not count twice.
export default ({ pool }) => {
  const product = ownProduct(pool, 'Adjusted product');
  if (!product) return;
  if (!stocked && !pool[__VU - 1]) {
    stocked = call('PUT', 'inventory-set', { path: `/${product.id}/BASE`, body: { onHand: 1000 }, status: 201 }).ok;
    if (!stocked) return;
  }
  stocked = true;
  const delta = __ITER % 2 === 0 ? 3 : -2;
  const key = uuid();
  const request = { path: `/${product.id}/BASE`, headers: { 'idempotency-key': key }, body: { delta, reason: delta > 0 ? 'delivery' : 'breakage' } };
  const first = call('POST', 'inventory-adjust', {
    ...request,
    checks: { 'levels add up': (r) => r.json('available') === r.json('onHand') - r.json('reserved') },
  });
  if (first.ok && __ITER % 10 === 0) {
    call('POST', 'inventory-adjust', { ...request, checks: { 'a retry replays': (r) => r.json('version') === first.res.json('version') } });
  }
  pause();
};
