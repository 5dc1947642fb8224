import crypto from 'k6/crypto';
import http from 'k6/http';
import { fail, sleep } from 'k6';
import { GATEWAY, call, createProduct, headers, url, uuid } from './api.js';
import { STRIPE_WEBHOOK_SECRET, placeOrder } from './orders.js';

// Payments come from checkouts: an order placed through orders-create is reserved by inventory
// and charged by payment-on-inventory-reserved (stripe-mock answers "pending", so Stripe's
// webhook decides). A script plays Stripe when it has the endpoint secret (STRIPE_WEBHOOK_SECRET,
// `payment.stripeWebhookSecret` of .local/dev-keys.json under npm start) and Paystack when it
// has PAYSTACK_SECRET_KEY, or, without it, through the local Paystack's checkout page that
// npm start serves (GET /dev/paystack lists its transactions). Without them, the refusal paths.

export const PAYSTACK_SECRET_KEY = __ENV.PAYSTACK_SECRET_KEY;
export const DEV_PAYSTACK_URL = `${GATEWAY}/dev/paystack`;
const NAIRA_PRICE = 150_000;
const SKU = 'STD';

let devPaystack;
/** Whether the gateway serves the local Paystack (npm start without PAYSTACK_API_BASE); asked once per VU. */
export const hasDevPaystack = () => {
  if (devPaystack === undefined) {
    const res = http.get(DEV_PAYSTACK_URL, { tags: { name: 'dev-paystack' }, responseCallback: http.expectedStatuses(200, 404) });
    devPaystack = res.status === 200;
  }
  return devPaystack;
};

/**
 * The order's payment once the saga opened it (payment-get answers 404 until then, an answer
 * rather than a failure), and `ready(payment)` holds; undefined after `seconds`.
 */
export const waitForPayment = (orderId, ready = (p) => Boolean(p.providerReference), seconds = 30) => {
  for (let waited = 0; waited < seconds; waited += 0.25) {
    const res = http.get(url('payment-get', `/${orderId}`), {
      headers: headers(),
      tags: { name: 'payment-get' },
      responseCallback: http.expectedStatuses(200, 404),
    });
    if (res.status === 200 && ready(res.json())) return res.json();
    sleep(0.25);
  }
  return undefined;
};

/** A Stripe event for the order's PaymentIntent, and its Stripe-Signature (t=…,v1=HMAC-SHA256 over "t.payload"). */
export const stripeWebhook = (order, payment, type = 'payment_intent.succeeded', secret = STRIPE_WEBHOOK_SECRET) => {
  const event = {
    id: `evt_${uuid().replace(/-/g, '')}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: payment.providerReference,
        object: 'payment_intent',
        amount: order.total,
        amount_received: type === 'payment_intent.succeeded' ? order.total : 0,
        currency: order.currency.toLowerCase(),
        status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
        metadata: { tenantId: order.tenantId, orderId: order.id },
      },
    },
  };
  const timestamp = Math.floor(Date.now() / 1000);
  // call() sends JSON.stringify(event): exactly the bytes signed here.
  const signature = crypto.hmac('sha256', secret || 'whsec_not_the_secret', `${timestamp}.${JSON.stringify(event)}`, 'hex');
  return { event, signature: `t=${timestamp},v1=${signature}` };
};

/** A Paystack charge.success for the order, and its x-paystack-signature (hex HMAC-SHA512 of the body). */
export const paystackWebhook = (order, secret = PAYSTACK_SECRET_KEY) => {
  const event = {
    event: 'charge.success',
    data: {
      id: Math.floor(Math.random() * 1e12),
      domain: 'test',
      status: 'success',
      reference: order.id,
      amount: order.total,
      currency: order.currency,
      gateway_response: 'Successful',
      paid_at: new Date().toISOString(),
      channel: 'card',
      metadata: { tenantId: order.tenantId, orderId: order.id },
    },
  };
  return { event, signature: crypto.hmac('sha512', secret || 'sk_test_not_the_key', JSON.stringify(event), 'hex') };
};

/** In setup(): a product priced in naira (Paystack's currency) with stock for the whole run. */
export const nairaSetup = () => {
  const product = createProduct('Paystack load product', {
    price: { amount: NAIRA_PRICE, currency: 'NGN' },
    variants: [{ sku: SKU, name: 'Standard', attributes: {} }],
  });
  if (!product) fail('setup: products-create did not answer 201');
  if (!call('GET', 'products-get', { path: `/${product.id}` }).ok) fail('setup: products-get did not answer 200');
  if (!call('PUT', 'inventory-set', { path: `/${product.id}/${SKU}`, body: { onHand: 100_000_000 }, status: 201 }).ok)
    fail('setup: inventory-set did not answer 201');
  return { productId: product.id };
};

/** An order paid with Paystack (own idempotency key); the order, or undefined. */
export const placePaystackOrder = (productId) => {
  const { res, ok } = call('POST', 'orders-create', {
    body: { items: [{ productId, sku: SKU, quantity: 1 }], email: `buyer-${__VU}@example.com`, payment: { provider: 'paystack' } },
    headers: { 'idempotency-key': uuid() },
    status: 201,
  });
  return ok ? res.json() : undefined;
};

/** The buyer pays on the local Paystack's checkout page (its authorization_url); the peer then sends the signed webhook. */
export const payOnDevPaystack = (payment) =>
  http.post(payment.nextAction.url, { outcome: 'success' }, { tags: { name: 'dev-paystack-checkout' } }).status === 200;

/** A Stripe order whose payment the script decided by a signed webhook: `{ order, payment }`, or undefined. */
export const paidStripeOrder = (productId) => {
  const order = placeOrder(productId);
  const payment = order && waitForPayment(order.id);
  if (!payment || !STRIPE_WEBHOOK_SECRET) return undefined;
  const { event, signature } = stripeWebhook(order, payment);
  const { ok } = call('POST', 'payment-webhook-stripe', {
    body: event,
    headers: { 'stripe-signature': signature },
    checks: { decided: (r) => r.json('result') === 'decided' },
  });
  return ok ? { order, payment: waitForPayment(order.id, (p) => p.status === 'succeeded') } : undefined;
};
