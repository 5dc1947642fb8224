import { call, pause, pick } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { createStores } from './lib/stores.js';

export const options = loadOptions();

// A handful of stores, read at random as a storefront resolves its store.
export const setup = () => ({ ids: createStores(5).map((s) => s.id) });

export default ({ ids }) => {
  const id = pick(ids);
  call('GET', 'stores-get', {
    path: `/${id}`,
    checks: { 'the store with its theme': (r) => r.json('id') === id && typeof r.json('theme.colors.primary') === 'string' },
  });
  pause();
};
