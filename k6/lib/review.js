import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import http from 'k6/http';
import { check, fail } from 'k6';
import { call, createProducts, headers, url, uuid, waitFor } from './api.js';
import { STRIPE_WEBHOOK_SECRET, payByWebhook } from './orders.js';

// What the review scripts need: products the runner's buyer (the TOKEN's user) received, since
// only a buyer with a delivered order of a product may review it. With STRIPE_WEBHOOK_SECRET,
// setup() buys them through the API as a client would: products, stock, one order of them all,
// paid by playing Stripe's webhook (lib/orders.js), fulfilled and delivered by the seller (the
// same owner here); review-on-order-delivered then records the eligibility from
// orders.order.delivered. Without the secret no order can be paid, so the delivered-order event
// goes to review-on-order-delivered through the gateway as the trigger connector delivers it (as
// lib/tenant.js does for onboarding), signed with CONNECTOR_SECRET when set, and a warning says so.

const MAX_LINES = 50;
const EXPECTED = http.expectedStatuses(200, 201, 403, 404, 409, 422);

/** The claims of the runner's TOKEN (`sub` is the buyer). */
const claims = () => JSON.parse(encoding.b64decode(__ENV.TOKEN.split('.')[1], 'rawurl', 's'));

/** A UUIDv7-shaped id (product and order ids are UUIDv7): the time in ms, then random bits. */
export const uuidv7 = () => {
  const time = Date.now().toString(16).padStart(12, '0');
  const rest = uuid().replace(/-/g, '');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${rest.slice(13, 16)}-${'89ab'[Math.floor(Math.random() * 4)]}${rest.slice(17, 20)}-${rest.slice(20, 32)}`;
};

const quiet = (method, fn, { path = '', body, extra = {} } = {}) =>
  http.request(method, url(fn, path), body === undefined ? null : JSON.stringify(body), {
    headers: headers(extra),
    tags: { name: fn },
    responseCallback: EXPECTED,
  });

/** The real checkout: stock, an order of one unit of each product, paid, fulfilled, delivered. True when delivered. */
const checkout = (products) => {
  if (!STRIPE_WEBHOOK_SECRET) return false;
  for (const product of products) {
    // The order is priced from the product read model, which products-get fills on a miss.
    if (!call('GET', 'products-get', { path: `/${product.id}` }).ok) fail('setup: products-get did not answer 200');
    if (!call('PUT', 'inventory-set', { path: `/${product.id}/BASE`, body: { onHand: 100 }, status: 201 }).ok) return false;
  }
  const placed = call('POST', 'orders-create', {
    body: {
      items: products.map((p) => ({ productId: p.id, sku: 'BASE', quantity: 1 })),
      email: 'k6-buyer@load.example.com',
      payment: { provider: 'stripe', method: 'pm_card_visa' },
    },
    headers: { 'idempotency-key': uuid() },
    status: 201,
  });
  if (!placed.ok || !payByWebhook(placed.res.json())) return false;
  const id = placed.res.json('id');
  return call('POST', 'orders-fulfil', { path: `/${id}` }).ok && call('POST', 'orders-deliver', { path: `/${id}` }).ok;
};

/** orders.order.delivered for `products`, delivered to review-on-order-delivered as the trigger connector would. */
const deliverEvent = (products) => {
  const { tid, sub } = claims();
  const id = uuidv7();
  const orderId = uuidv7();
  const lines = products.map((p) => ({ productId: p.id, sku: 'BASE', name: 'Review load product', quantity: 1, unitPrice: 1999, lineTotal: 1999 }));
  const body = JSON.stringify({
    orderId,
    buyerId: sub,
    storeId: 'load',
    lines,
    currency: 'EUR',
    total: 1999 * lines.length,
    email: 'k6-buyer@load.example.com',
    version: 5,
  });
  const ceHeaders = {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': 'orders.order.delivered.v1',
    'ce-source': 'orders-deliver',
    'ce-subject': orderId,
    'ce-time': new Date().toISOString(),
    'ce-tenantid': tid,
    'ce-correlationid': id,
    'x-topic': 'orders.order.delivered',
  };
  const secret = __ENV.CONNECTOR_SECRET;
  if (secret) ceHeaders['x-connector-signature'] = `sha256=${crypto.hmac('sha256', secret, `${id}.${body}`, 'hex')}`;
  const res = http.post(url('review-on-order-delivered'), body, { headers: ceHeaders, tags: { name: 'review-on-order-delivered' } });
  if (!check(res, { 'delivered-order event processed': (r) => r.status === 200 })) {
    fail(`setup: review-on-order-delivered answered ${res.status}: ${String(res.body).slice(0, 300)}`);
  }
};

/**
 * In setup(): `count` (≤ 49) product ids the runner's buyer may review, and `probe`, the review
 * written to learn that the eligibility was recorded (the consumer runs after orders-deliver).
 * The probe is the order's last product: review-on-order-delivered records them in line order, so
 * once the last is reviewable, all are.
 */
export const reviewableProducts = (count) => {
  const products = createProducts(Math.min(count, MAX_LINES - 1) + 1, (i) => `Review load product ${i + 1}`);
  if (!checkout(products)) {
    console.warn('setup: no order could be paid and delivered; the delivered-order event goes to review-on-order-delivered directly');
    deliverEvent(products);
  }
  const rest = products.slice(0, -1);
  const last = products[products.length - 1];
  const probe = waitFor('the review eligibility of the delivered order', () => {
    const res = quiet('POST', 'review-create', {
      body: { productId: last.id, rating: 5, body: 'Arrived well packed.' },
      extra: { 'idempotency-key': uuid() },
    });
    return res.status === 201 ? res.json() : undefined;
  });
  return { productIds: rest.map((p) => p.id), probe };
};

/** A review as a buyer writes it. */
export const reviewBody = (productId, n = 0) => ({
  productId,
  rating: 1 + (n % 5),
  title: `Load review ${n}`,
  body: 'Solid build, arrived on time, would buy again. Written by the load test.',
});

/** Writes a review of each product (setup housekeeping for list and moderate); `[{ id, version }]`. */
export const writeReviews = (productIds) =>
  productIds.map((productId, i) => {
    const { res, ok } = call('POST', 'review-create', { body: reviewBody(productId, i), headers: { 'idempotency-key': uuid() }, status: 201 });
    if (!ok) fail('setup: review-create did not answer 201');
    return { id: res.json('id'), version: res.json('version') };
  });
