import { createProduct, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Sellers listing new products, each with its own idempotency key.
export default () => {
  createProduct(`Load ${__VU}-${__ITER}`, { price: { amount: 500 + ((__VU * 31 + __ITER) % 10_000), currency: 'EUR' } });
  pause();
};
