import { call, pause, uuid } from './lib/api.js';
import { STRIPE_WEBHOOK_SECRET, checkoutSetup, placeOrder } from './lib/orders.js';
import { paidStripeOrder, waitForPayment } from './lib/payment.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// With STRIPE_WEBHOOK_SECRET each iteration is a paid order the seller refunds: a part, the rest,
// then one cent more (422 refund_exceeds_captured). Without it the payment stays pending and a
// refund is refused (409 payment_not_captured).
export default ({ productId }) => {
  if (!STRIPE_WEBHOOK_SECRET) {
    const order = placeOrder(productId);
    if (!order || !waitForPayment(order.id)) return;
    call('POST', 'payment-refund', {
      path: `/${order.id}`,
      body: { reason: 'nothing was taken yet' },
      headers: { 'idempotency-key': uuid() },
      status: 409,
      checks: { 'nothing captured': (r) => r.json('code') === 'payment_not_captured' },
    });
    pause();
    return;
  }
  const paid = paidStripeOrder(productId);
  if (!paid) return;
  const { order } = paid;
  const part = Math.floor(order.total / 3);
  call('POST', 'payment-refund', {
    path: `/${order.id}`,
    body: { amount: part, reason: 'one item arrived damaged' },
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'partly refunded': (r) => r.json('refund.amount') === part && r.json('payment.refundable') === order.total - part },
  });
  call('POST', 'payment-refund', {
    path: `/${order.id}`,
    body: { reason: 'order returned' },
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'fully refunded': (r) => r.json('payment.refunded') === order.total && r.json('payment.refundable') === 0 },
  });
  call('POST', 'payment-refund', {
    path: `/${order.id}`,
    body: { amount: 1, reason: 'one cent more' },
    headers: { 'idempotency-key': uuid() },
    status: 422,
    checks: { 'never more than captured': (r) => r.json('code') === 'refund_exceeds_captured' },
  });
  pause();
};
