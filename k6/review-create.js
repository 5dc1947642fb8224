import { call, pause, uuid } from './lib/api.js';
import { reviewBody, reviewableProducts, uuidv7 } from './lib/review.js';
import { loadOptions, scenarioVus } from './lib/scenarios.js';

export const options = loadOptions();

// One buyer (the TOKEN's user) reviews each product once. setup() buys up to 49 products through
// the checkout, ten per VU of the scenario's peak; each VU reviews its share one per iteration,
// then tries the same product again (409 review_exists). Past its share, an iteration is the
// refusal a buyer meets for a product never delivered to them (403 review_not_eligible).
const PER_VU = 10;

export const setup = () => {
  const vus = scenarioVus();
  const { productIds } = reviewableProducts(Math.min(49, vus * PER_VU));
  return { productIds, perVu: Math.floor(productIds.length / vus) };
};

export default ({ productIds, perVu }) => {
  const productId = __ITER < perVu ? productIds[(__VU - 1) * perVu + __ITER] : undefined;
  if (productId) {
    call('POST', 'review-create', {
      body: reviewBody(productId, __ITER),
      headers: { 'idempotency-key': uuid() },
      status: 201,
      checks: { 'pending, version 1': (r) => r.json('status') === 'pending' && r.json('version') === 1 },
    });
    call('POST', 'review-create', {
      body: reviewBody(productId, __ITER + 1),
      headers: { 'idempotency-key': uuid() },
      status: 409,
      checks: { 'once per product': (r) => r.json('code') === 'review_exists' },
    });
  } else {
    call('POST', 'review-create', {
      body: reviewBody(uuidv7(), __ITER),
      headers: { 'idempotency-key': uuid() },
      status: 403,
      checks: { 'not a buyer of it': (r) => r.json('code') === 'review_not_eligible' },
    });
  }
  pause();
};
