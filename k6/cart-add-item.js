import { call, pause } from './lib/api.js';
import { CART_MAX_VUS, cartSetup, lineOf, ownSku } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: CART_MAX_VUS });

export const setup = () => cartSetup();

// Each VU adds one unit of its own variant; the server prices it (19.99) and the line grows.
// Past 900 units the VU sets its line back to 1 (a line holds at most 1000).
export default ({ productId }) => {
  const sku = ownSku();
  const { res, ok } = call('POST', 'cart-add-item', {
    body: { productId, sku, quantity: 1 },
    checks: { 'priced by the server': (r) => lineOf(r, productId, sku).unitPrice === 1999 },
  });
  if (ok && lineOf(res, productId, sku).quantity >= 900) call('PATCH', 'cart-update-item', { path: `/${productId}/${sku}`, body: { quantity: 1 } });
  pause();
};
