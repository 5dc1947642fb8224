import { call, pause } from './lib/api.js';
import { STRIPE_WEBHOOK_SECRET, checkoutSetup, payByWebhook, placeOrder } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// With STRIPE_WEBHOOK_SECRET (the system's endpoint secret) each iteration checks out, plays
// Stripe's success webhook, and fulfils the confirmed order. Without it no order can be paid:
// the load is the refusal of fulfilling an unpaid order (409 naming its state).
export default ({ productId }) => {
  const order = placeOrder(productId);
  if (!order) return;
  if (!STRIPE_WEBHOOK_SECRET) {
    call('POST', 'orders-fulfil', {
      path: `/${order.id}`,
      status: 409,
      checks: { 'an unpaid order is not shipped': (r) => r.json('code') === 'illegal_transition' && ['pending', 'reserved'].includes(r.json('state')) },
    });
    pause();
    return;
  }
  if (payByWebhook(order)) {
    call('POST', 'orders-fulfil', { path: `/${order.id}`, checks: { fulfilled: (r) => r.json('state') === 'fulfilled' } });
  }
  pause();
};
