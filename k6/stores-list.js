import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { createStores } from './lib/stores.js';

export const options = loadOptions();

// Seven stores: a page of three, then the next page by its cursor.
export const setup = () => {
  createStores(7, (i) => `Listed store ${i + 1}`);
};

export default () => {
  const first = call('GET', 'stores-list', {
    query: { limit: 3 },
    checks: { 'a full page with a cursor': (r) => r.json('items').length === 3 && typeof r.json('nextCursor') === 'string' },
  });
  const cursor = first.ok ? first.res.json('nextCursor') : null;
  if (cursor) call('GET', 'stores-list', { query: { limit: 3, cursor }, checks: { 'the next page': (r) => r.json('items').length === 3 } });
  pause();
};
