import { call, ifMatch, pause } from './lib/api.js';
import { track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';
import { ownStore, storePool } from './lib/stores.js';

export const options = loadOptions();

export const setup = () => ({ pool: storePool('Themed store') });

const LAYOUTS = ['classic', 'grid', 'minimal', 'showcase'];

// Each VU edits its own store's theme (and now and then its name) at the version it last saw
// (If-Match), as a seller trying looks in the theme editor.
export default ({ pool }) => {
  const store = ownStore(pool, 'Themed store');
  if (!store) return;
  const shade = (__ITER * 37) % 256;
  const body = {
    theme: { colors: { primary: `#${shade.toString(16).padStart(2, '0')}6feb` }, layout: LAYOUTS[__ITER % LAYOUTS.length] },
    ...(__ITER % 5 === 0 ? { name: `Themed store ${__VU}.${__ITER}` } : {}),
  };
  const reply = call('PATCH', 'stores-update', {
    path: `/${store.id}`,
    headers: ifMatch(store.version),
    body,
    checks: { 'one version on, theme applied': (r) => r.json('version') === store.version + 1 && r.json('theme.layout') === body.theme.layout },
  });
  track(store, reply);
  pause();
};
