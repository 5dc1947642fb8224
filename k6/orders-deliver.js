import { call, pause } from './lib/api.js';
import { STRIPE_WEBHOOK_SECRET, checkoutSetup, payByWebhook, placeOrder } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// With STRIPE_WEBHOOK_SECRET each iteration checks out, plays Stripe's success webhook, ships
// the order and delivers it (then a cancel is refused: 409 delivered). Without it no order can
// be paid: the load is the refusal of delivering an unshipped order (409 naming its state).
export default ({ productId }) => {
  const order = placeOrder(productId);
  if (!order) return;
  if (!STRIPE_WEBHOOK_SECRET) {
    call('POST', 'orders-deliver', {
      path: `/${order.id}`,
      status: 409,
      checks: { 'an unshipped order is not delivered': (r) => r.json('code') === 'illegal_transition' && ['pending', 'reserved'].includes(r.json('state')) },
    });
    pause();
    return;
  }
  if (payByWebhook(order) && call('POST', 'orders-fulfil', { path: `/${order.id}` }).ok) {
    call('POST', 'orders-deliver', { path: `/${order.id}`, checks: { delivered: (r) => r.json('state') === 'delivered' } });
    call('POST', 'orders-cancel', { path: `/${order.id}`, status: 409, checks: { 'too late to cancel': (r) => r.json('state') === 'delivered' } });
  }
  pause();
};
