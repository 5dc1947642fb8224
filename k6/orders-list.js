import { fail } from 'k6';
import { call, pause, waitFor } from './lib/api.js';
import { checkoutSetup, placeOrder } from './lib/orders.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

const ORDERS = 12;

// Twelve orders, then a wait until the read model (the projection of their events) lists them all.
export const setup = () => {
  const { productId } = checkoutSetup();
  const ids = Array.from({ length: ORDERS }, () => placeOrder(productId)?.id);
  if (ids.some((id) => !id)) fail('setup: orders-create did not answer 201');
  waitFor('the buyer list to show the orders', () => {
    const { res, ok } = call('GET', 'orders-list', { query: { limit: 100 } });
    return ok && ids.every((id) => res.json('items').some((item) => item.id === id));
  });
  return { ids };
};

// The buyer's first page of 5 and the next by cursor; every other iteration the seller's view.
export default ({ ids }) => {
  const view = __ITER % 2 === 0 ? 'buyer' : 'seller';
  const first = call('GET', 'orders-list', {
    query: { view, limit: 5 },
    checks: { 'a full page with a cursor': (r) => r.json('items').length === 5 && typeof r.json('nextCursor') === 'string' },
  });
  if (first.ok) {
    const seen = new Set(first.res.json('items').map((item) => item.id));
    call('GET', 'orders-list', {
      query: { view, limit: 5, cursor: first.res.json('nextCursor') },
      checks: { 'the next page, none repeated': (r) => r.json('items').length > 0 && r.json('items').every((item) => !seen.has(item.id)) },
    });
  }
  if (__ITER === 0)
    call('GET', 'orders-list', {
      query: { limit: 100 },
      checks: { 'lists the setup orders': (r) => ids.every((id) => r.json('items').some((i) => i.id === id)) },
    });
  pause();
};
