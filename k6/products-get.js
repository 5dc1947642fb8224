import http from 'k6/http';
import { check } from 'k6';
import { GATEWAY, createProduct, headers } from './lib/api.js';
import { THRESHOLDS, scenario } from './lib/scenarios.js';

export const options = { scenarios: scenario(), thresholds: THRESHOLDS };

// Realistic data through the API: a small catalogue, read at random.
export const setup = () => ({ ids: Array.from({ length: 20 }, (_, i) => createProduct(`Load product ${i}`).id) });

export default ({ ids }) => {
  const id = ids[Math.floor(Math.random() * ids.length)];
  const res = http.get(`${GATEWAY}/function/products-get/${id}`, { headers: headers(), tags: { name: 'products-get' } });
  check(res, { 'status 200': (r) => r.status === 200, 'has a view': (r) => r.json('id') === id });
};
