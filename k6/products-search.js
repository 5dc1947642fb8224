import { call, createProducts, pause, pick } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

const WORDS = ['amber', 'birch', 'cedar', 'dune', 'ember'];

// A catalogue whose names share words: every query matches some products, a price range fewer.
export const setup = () => {
  createProducts(
    WORDS.length * 2,
    (i) => `${WORDS[i % WORDS.length]} ${i < WORDS.length ? 'lamp' : 'table'}`,
    (i) => ({
      price: { amount: 1000 * (i + 1), currency: 'EUR' },
    }),
  );
};

export default () => {
  const q = pick(WORDS);
  const ranged = __ITER % 2 === 1;
  call('GET', 'products-search', {
    query: { q, limit: 10, minPrice: ranged ? 0 : undefined, maxPrice: ranged ? 20_000 : undefined },
    checks: { 'finds the word': (r) => r.json('items').length > 0 },
  });
  pause();
};
