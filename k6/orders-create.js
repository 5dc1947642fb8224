import { call, pause, uuid } from './lib/api.js';
import { PRICE, checkoutSetup, orderBody } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// Each iteration checks out 1–3 units with its own Idempotency-Key; the server prices them and
// the saga takes each order on from there. Every fifth iteration retries its request with the
// same key, which replays the first answer: the same order, not a second one.
export default ({ productId }) => {
  const quantity = 1 + (__ITER % 3);
  const key = { 'idempotency-key': uuid() };
  const { res, ok } = call('POST', 'orders-create', {
    body: orderBody(productId, quantity),
    headers: key,
    status: 201,
    checks: { 'priced by the server': (r) => r.json('total') === PRICE * quantity && r.json('state') === 'pending' },
  });
  if (ok && __ITER % 5 === 0) {
    call('POST', 'orders-create', {
      body: orderBody(productId, quantity),
      headers: key,
      status: 201,
      checks: { 'the same order, replayed': (r) => r.json('id') === res.json('id') && r.headers['Idempotent-Replayed'] === 'true' },
    });
  }
  pause();
};
