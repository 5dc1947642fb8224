import { call, pause } from './lib/api.js';
import { STRIPE_WEBHOOK_SECRET, checkoutSetup, placeOrder, waitForState } from './lib/orders.js';
import { stripeWebhook, waitForPayment } from './lib/payment.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => checkoutSetup();

// Plays Stripe for each order the saga charged: unsigned and wrongly signed deliveries are
// refused (400) and change nothing; with STRIPE_WEBHOOK_SECRET the signed success decides the
// payment (the order is confirmed) and its replay is refused (409).
export default ({ productId }) => {
  const order = placeOrder(productId);
  const payment = order && waitForPayment(order.id);
  if (!payment) return;
  const forged = stripeWebhook(order, payment, 'payment_intent.succeeded', 'whsec_not_the_endpoint_secret');
  call('POST', 'payment-webhook-stripe', { body: forged.event, status: 400, checks: { unsigned: (r) => r.json('code') === 'webhook_signature_missing' } });
  call('POST', 'payment-webhook-stripe', {
    body: forged.event,
    headers: { 'stripe-signature': forged.signature },
    status: 400,
    checks: { 'wrongly signed': (r) => r.json('code') === 'webhook_signature_invalid' },
  });
  if (STRIPE_WEBHOOK_SECRET) {
    const { event, signature } = stripeWebhook(order, payment);
    call('POST', 'payment-webhook-stripe', {
      body: event,
      headers: { 'stripe-signature': signature },
      checks: { decided: (r) => r.json('result') === 'decided' },
    });
    call('POST', 'payment-webhook-stripe', {
      body: event,
      headers: { 'stripe-signature': signature },
      status: 409,
      checks: { 'replay refused': (r) => r.json('code') === 'webhook_replayed' },
    });
    waitForState(order.id, ['confirmed']);
  }
  pause();
};
