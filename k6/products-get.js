import { call, createProducts, pause, pick } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Realistic data through the API: a small catalogue, read at random (served from the Redis view).
export const setup = () => ({ ids: createProducts(20).map((p) => p.id) });

export default ({ ids }) => {
  const id = pick(ids);
  call('GET', 'products-get', { path: `/${id}`, checks: { 'has the view': (r) => r.json('id') === id } });
  pause();
};
