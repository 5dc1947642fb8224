import crypto from 'k6/crypto';
import http from 'k6/http';
import { fail, sleep } from 'k6';
import { call, createProduct, headers, url, uuid } from './api.js';

// Orders are priced from the product read model and held by inventory: the setup creates a
// product, seeds its view (products-get fills it on a miss) and stocks it far beyond any run, so
// the saga reserves every order. The runner's owner token is the buyer of every order (a seller
// may buy from their own tenant) and the staff member who fulfils them.

export const PRICE = 2450;
const SKU = 'STD';

/** In setup(): a product at 24.50 EUR with stock for the whole run. */
export const checkoutSetup = () => {
  const product = createProduct('Checkout load product', {
    price: { amount: PRICE, currency: 'EUR' },
    variants: [{ sku: SKU, name: 'Standard', attributes: {} }],
  });
  if (!product) fail('setup: products-create did not answer 201');
  if (!call('GET', 'products-get', { path: `/${product.id}` }).ok) fail('setup: products-get did not answer 200');
  const stocked = call('PUT', 'inventory-set', { path: `/${product.id}/${SKU}`, body: { onHand: 100_000_000 }, status: 201 });
  if (!stocked.ok) fail('setup: inventory-set did not answer 201');
  return { productId: product.id };
};

/** The body of an order of `quantity` units: lines and terms only, prices are the server's. */
export const orderBody = (productId, quantity = 1) => ({
  items: [{ productId, sku: SKU, quantity }],
  email: `buyer-${__VU}@example.com`,
  payment: { provider: 'stripe', method: 'pm_card_visa' },
});

/** Places an order (own idempotency key, as clients retry); the order, or undefined. */
export const placeOrder = (productId, quantity = 1) => {
  const { res, ok } = call('POST', 'orders-create', {
    body: orderBody(productId, quantity),
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'priced by the server': (r) => r.json('total') === PRICE * quantity },
  });
  return ok ? res.json() : undefined;
};

/** Polls orders-get until the order is in one of `states` (for up to `seconds`); the order, or undefined. */
export const waitForState = (id, states, seconds = 30) => {
  for (let waited = 0; waited < seconds; waited += 0.25) {
    const { res, ok } = call('GET', 'orders-get', { path: `/${id}` });
    if (ok && states.includes(res.json('state'))) return res.json();
    sleep(0.25);
  }
  return undefined;
};

/** The Stripe endpoint secret of the system under load, when given: with it a script can play Stripe. */
export const STRIPE_WEBHOOK_SECRET = __ENV.STRIPE_WEBHOOK_SECRET;

/**
 * Plays Stripe for one order: once the saga opened its PaymentIntent (payment-get shows the
 * reference), sends `payment_intent.succeeded` signed as Stripe signs it (`t=…,v1=HMAC-SHA256`),
 * then waits for the order to be confirmed. The confirmed order, or undefined.
 */
export const payByWebhook = (order, seconds = 30) => {
  let payment;
  for (let waited = 0; waited < seconds && !payment; waited += 0.25) {
    // A probe: 404 until payment has opened it, which is an answer, not a failure.
    const res = http.get(url('payment-get', `/${order.id}`), {
      headers: headers(),
      tags: { name: 'payment-get' },
      responseCallback: http.expectedStatuses(200, 404),
    });
    if (res.status === 200 && res.json('providerReference')) payment = res.json();
    else sleep(0.25);
  }
  if (!payment) return undefined;
  const event = {
    id: `evt_${uuid().replace(/-/g, '')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: payment.providerReference,
        object: 'payment_intent',
        amount: order.total,
        amount_received: order.total,
        currency: order.currency.toLowerCase(),
        status: 'succeeded',
        metadata: { tenantId: order.tenantId, orderId: order.id },
      },
    },
  };
  // call() sends JSON.stringify(event): exactly the bytes signed here.
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = crypto.hmac('sha256', STRIPE_WEBHOOK_SECRET, `${timestamp}.${JSON.stringify(event)}`, 'hex');
  const { ok } = call('POST', 'payment-webhook-stripe', { body: event, headers: { 'stripe-signature': `t=${timestamp},v1=${signature}` } });
  return ok ? waitForState(order.id, ['confirmed'], seconds) : undefined;
};
