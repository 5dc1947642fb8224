import { call, pause } from './lib/api.js';
import { CART_MAX_VUS, addOwn, cartSetup, lineOf, ownSku } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: CART_MAX_VUS });

export const setup = () => cartSetup();

// Each VU puts a unit of its own variant in the cart and takes the line out again.
export default ({ productId }) => {
  if (!addOwn(productId).ok) return;
  const sku = ownSku();
  call('DELETE', 'cart-remove-item', { path: `/${productId}/${sku}`, checks: { 'the line is gone': (r) => lineOf(r, productId, sku) === undefined } });
  pause();
};
