import http from 'k6/http';
import { check } from 'k6';
import { GATEWAY, createProduct, headers } from './lib/api.js';
import { THRESHOLDS, scenario } from './lib/scenarios.js';

export const options = { scenarios: scenario(), thresholds: THRESHOLDS };

const WORDS = ['amber', 'birch', 'cedar', 'dune', 'ember'];

export const setup = () => {
  for (const word of WORDS) createProduct(`${word} lamp`);
};

export default () => {
  const q = WORDS[Math.floor(Math.random() * WORDS.length)];
  const res = http.get(`${GATEWAY}/function/products-search?q=${q}&limit=10`, { headers: headers(), tags: { name: 'products-search' } });
  check(res, { 'status 200': (r) => r.status === 200 });
};
