import { fail } from 'k6';
import { call, pause } from './lib/api.js';
import { cartSetup } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A cart with three lines, then read by everyone: served from the versioned Redis cache while fresh.
export const setup = () => {
  const { productId } = cartSetup();
  for (const sku of ['V1', 'V2', 'V3']) {
    if (!call('POST', 'cart-add-item', { body: { productId, sku, quantity: 2 } }).ok) fail('setup: cart-add-item did not answer 200');
  }
  return { productId };
};

export default ({ productId }) => {
  call('GET', 'cart-get', {
    checks: {
      'has the lines': (r) => r.json('items').filter((line) => line.productId === productId).length === 3,
      'total is subtotal minus discount': (r) => r.json('total') === r.json('subtotal') - r.json('discount'),
    },
  });
  pause();
};
