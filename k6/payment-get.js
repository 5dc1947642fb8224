import { call, pause, pick } from './lib/api.js';
import { checkoutSetup, placeOrder } from './lib/orders.js';
import { waitForPayment } from './lib/payment.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Realistic data through the API: 10 checkouts, each charged by the saga (payment pending on
// stripe-mock's answer); the owner (staff and above see every payment) reads them at random.
export const setup = () => {
  const { productId } = checkoutSetup();
  const ids = [];
  for (let i = 0; i < 10; i += 1) {
    const order = placeOrder(productId);
    if (order && waitForPayment(order.id)) ids.push(order.id);
  }
  if (ids.length === 0) throw new Error('setup: no payment was opened by the saga');
  return { ids };
};

export default ({ ids }) => {
  const id = pick(ids);
  call('GET', 'payment-get', {
    path: `/${id}`,
    checks: { 'the order payment': (r) => r.json('orderId') === id && r.json('provider') === 'stripe' && r.json('amount') > 0 },
  });
  call('GET', 'payment-get', { path: '/not-an-order-id', status: 400, checks: { 'refused by schema': (r) => r.json('code') === 'validation_failed' } });
  pause();
};
