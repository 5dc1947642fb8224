import { call, createProduct, ifMatch, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// A deleted product stays deleted, so each iteration creates the one it deletes.
export default () => {
  const product = createProduct(`Short-lived ${__VU}-${__ITER}`);
  if (!product) return;
  call('DELETE', 'products-delete', { path: `/${product.id}`, headers: ifMatch(product.version), status: 204 });
  pause();
};
