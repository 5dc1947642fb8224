import { call, createProducts, pause, pick } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

const CATEGORIES = ['lamps', 'tables', 'chairs'];

// Three categories of four products each, one of them a draft: filtered pages, followed by cursor.
export const setup = () => {
  createProducts(
    12,
    (i) => `Listed product ${i + 1}`,
    (i) => ({ category: CATEGORIES[i % 3], status: i % 4 === 3 ? 'draft' : 'active' }),
  );
};

export default () => {
  const category = pick(CATEGORIES);
  const first = call('GET', 'products-list', {
    query: { category, status: 'active', limit: 2 },
    checks: { 'a full page': (r) => r.json('items').length === 2 },
  });
  const cursor = first.ok ? first.res.json('nextCursor') : null;
  if (cursor) call('GET', 'products-list', { query: { category, status: 'active', limit: 2, cursor } });
  pause();
};
