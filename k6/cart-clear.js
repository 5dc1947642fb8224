import { call, pause } from './lib/api.js';
import { CART_MAX_VUS, addOwn, cartSetup } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: CART_MAX_VUS });

export const setup = () => cartSetup();

// Each VU puts something in the cart, then empties it: the answer is the emptied cart.
export default ({ productId }) => {
  if (!addOwn(productId).ok) return;
  call('DELETE', 'cart-clear', {
    checks: { 'empty, no coupon': (r) => r.json('items').length === 0 && r.json('coupon') === null && r.json('total') === 0 },
  });
  pause();
};
