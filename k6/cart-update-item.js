import { call, pause } from './lib/api.js';
import { CART_MAX_VUS, addOwn, cartSetup, lineOf, ownSku } from './lib/cart.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: CART_MAX_VUS });

export const setup = () => cartSetup();

let added = false; // per VU

// Each VU keeps a line of its own variant and sets its quantity, 1 to 10 in turn.
export default ({ productId }) => {
  if (!added) added = addOwn(productId).ok;
  const sku = ownSku();
  const quantity = (__ITER % 10) + 1;
  call('PATCH', 'cart-update-item', {
    path: `/${productId}/${sku}`,
    body: { quantity },
    checks: {
      'the line has the quantity': (r) => lineOf(r, productId, sku).quantity === quantity,
      'line total is priced by the server': (r) => lineOf(r, productId, sku).lineTotal === 1999 * quantity,
    },
  });
  pause();
};
