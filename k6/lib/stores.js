import { fail } from 'k6';
import { call, uuid } from './api.js';
import { scenarioVus } from './scenarios.js';

// Stores as a seller sets them up, for the stores-* scripts. A tenant's plan bounds its stores
// (FREE 1, PRO 5): the runner's fresh tenants have no tenant document, so run the gateway with
// UNPROVISIONED_TENANT_PLAN=ENTERPRISE (the end-to-end system does) or the creates meet 403
// plan_limit_exceeded, which the failed check reports with the limit it names.

const LAYOUTS = ['classic', 'grid', 'minimal', 'showcase'];
const FONTS = ['Inter', 'Roboto', 'Lato', 'Merriweather'];

/** A store as a seller would open it; `overrides` replaces fields. */
export const storeBody = (name, overrides = {}) => ({
  name,
  theme: {
    colors: { primary: '#1f6feb', background: '#ffffff' },
    font: FONTS[name.length % FONTS.length],
    layout: LAYOUTS[name.length % LAYOUTS.length],
    logoUrl: 'https://cdn.example.com/logos/load.svg',
  },
  ...overrides,
});

/** Creates a store (idempotently, as clients retry); returns `{ id, version, ... }` or undefined. */
export const createStore = (name, overrides = {}) => {
  const { res, ok } = call('POST', 'stores-create', {
    body: storeBody(name, overrides),
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'a new store at version 1': (r) => r.json('version') === 1 },
  });
  return ok ? res.json() : undefined;
};

/** In setup(): `count` stores, or the run stops (a load test on missing data measures nothing). */
export const createStores = (count, name = (i) => `Load store ${i + 1}`) =>
  Array.from({ length: count }, (_, i) => {
    const store = createStore(name(i));
    if (!store) fail(`setup: stores-create did not answer 201 (store ${i + 1}); see the problem above`);
    return { id: store.id, version: store.version };
  });

const POOL_MAX = 50;

/** In setup(): one store per VU the scenario peaks at (up to 50; later VUs create their own). */
export const storePool = (label) => createStores(Math.min(scenarioVus(), POOL_MAX), (i) => `${label} ${i + 1}`);

let owned; // per VU: each VU has its own JavaScript runtime

/** This VU's store, `{ id, version }`: from the setup pool, else created on first use. */
export const ownStore = (pool = [], label = 'Load store') => {
  if (!owned) {
    const seeded = pool[__VU - 1];
    const created = seeded ? undefined : createStore(`${label} of VU ${__VU}`);
    owned = seeded ? { ...seeded } : created && { id: created.id, version: created.version };
  }
  return owned;
};

/** A domain no one else uses: the custom domain a seller brings, under example.com (RFC 2606). */
export const uniqueDomain = (label = 'shop') => `${label}-${uuid().replace(/-/g, '').slice(0, 16)}.example.com`;
