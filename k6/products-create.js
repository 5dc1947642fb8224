import { createProduct } from './lib/api.js';
import { THRESHOLDS, scenario } from './lib/scenarios.js';

export const options = { scenarios: scenario(), thresholds: THRESHOLDS };

export default () => {
  createProduct(`Load ${__VU}-${__ITER}`);
};
