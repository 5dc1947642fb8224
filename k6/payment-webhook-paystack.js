import { check } from 'k6';
import { call, pause } from './lib/api.js';
import { waitForState } from './lib/orders.js';
import { PAYSTACK_SECRET_KEY, hasDevPaystack, nairaSetup, payOnDevPaystack, paystackWebhook, placePaystackOrder, waitForPayment } from './lib/payment.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

export const setup = () => ({ ...nairaSetup(), devPaystack: hasDevPaystack() });

// Each iteration is a naira order paid with Paystack: the saga initialises the transaction
// (reference = order id). Forged deliveries are refused (400). With PAYSTACK_SECRET_KEY the
// script plays Paystack (signed charge.success → decided; its replay → 409); otherwise, under
// npm start, the buyer pays on the local Paystack's checkout page, which sends the webhook.
export default ({ productId, devPaystack }) => {
  const order = placePaystackOrder(productId);
  const payment = order && waitForPayment(order.id, (p) => Boolean(p.nextAction || p.status !== 'pending'));
  if (!payment) return;
  const forged = paystackWebhook(order, 'sk_test_not_the_key');
  call('POST', 'payment-webhook-paystack', { body: forged.event, status: 400, checks: { unsigned: (r) => r.json('code') === 'webhook_signature_missing' } });
  call('POST', 'payment-webhook-paystack', {
    body: forged.event,
    headers: { 'x-paystack-signature': forged.signature },
    status: 400,
    checks: { 'wrongly signed': (r) => r.json('code') === 'webhook_signature_invalid' },
  });
  if (PAYSTACK_SECRET_KEY) {
    const { event, signature } = paystackWebhook(order);
    call('POST', 'payment-webhook-paystack', {
      body: event,
      headers: { 'x-paystack-signature': signature },
      checks: { decided: (r) => r.json('result') === 'decided' },
    });
    call('POST', 'payment-webhook-paystack', {
      body: event,
      headers: { 'x-paystack-signature': signature },
      status: 409,
      checks: { 'replay refused': (r) => r.json('code') === 'webhook_replayed' },
    });
  } else if (devPaystack && payment.nextAction && payment.nextAction.type === 'redirect') {
    check(null, { 'paid on the checkout page': () => payOnDevPaystack(payment) });
  } else {
    pause();
    return;
  }
  check(null, { 'payment succeeded': () => Boolean(waitForPayment(order.id, (p) => p.status === 'succeeded')) });
  waitForState(order.id, ['confirmed']);
  pause();
};
