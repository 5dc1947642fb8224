import { fail } from 'k6';
import { call, pause, pick } from './lib/api.js';
import { checkoutSetup, placeOrder } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Ten orders of the runner's own, read at random (one lookup by id in the write model).
export const setup = () => {
  const { productId } = checkoutSetup();
  const ids = Array.from({ length: 10 }, () => placeOrder(productId)?.id);
  if (ids.some((id) => !id)) fail('setup: orders-create did not answer 201');
  return { ids };
};

export default ({ ids }) => {
  const id = pick(ids);
  call('GET', 'orders-get', {
    path: `/${id}`,
    checks: {
      'is the order': (r) => r.json('id') === id && r.json('total') > 0,
      'has a version ETag': (r) => /^"\d+"$/.test(r.headers.Etag || r.headers.ETag || ''),
    },
  });
  pause();
};
