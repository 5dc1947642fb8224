import { call, pause } from './lib/api.js';
import { checkoutSetup, placeOrder } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// A cancelled order stays cancelled, so each iteration places the one it cancels (pending or
// reserved by then: the stock is ample and the payment waits for Stripe), then tries again: 409.
export default ({ productId }) => {
  const order = placeOrder(productId);
  if (!order) return;
  call('POST', 'orders-cancel', {
    path: `/${order.id}`,
    body: { reason: 'buyer_cancelled' },
    checks: { 'cancelled by its buyer': (r) => r.json('state') === 'cancelled' && r.json('cancellation.reason') === 'buyer_cancelled' },
  });
  call('POST', 'orders-cancel', {
    path: `/${order.id}`,
    status: 409,
    checks: { 'refused, naming the state': (r) => r.json('code') === 'illegal_transition' && r.json('state') === 'cancelled' },
  });
  pause();
};
