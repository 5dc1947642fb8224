import { createProduct, createProducts } from './api.js';
import { scenarioVus } from './scenarios.js';

// Writers use optimistic concurrency (If-Match). Two VUs writing one product would spend the
// test on 412s, so each VU writes its own product and follows its version from every answer,
// as a client that keeps the ETag it last read.

const POOL_MAX = 50;

/** In setup(): one product per VU the scenario peaks at (up to 50; later VUs create their own). */
export const productPool = (label) => createProducts(Math.min(scenarioVus(), POOL_MAX), (i) => `${label} ${i + 1}`);

let owned; // per VU: each VU has its own JavaScript runtime

/** This VU's product, `{ id, version }`: from the setup pool, else created on first use. */
export const ownProduct = (pool = [], label = 'Load product') => {
  if (!owned) {
    const seeded = pool[__VU - 1];
    const created = seeded ? undefined : createProduct(`${label} of VU ${__VU}`);
    owned = seeded ? { ...seeded } : created && { id: created.id, version: created.version };
  }
  return owned;
};

/**
 * Keeps the version a successful write answered with (its body's `version`, as its ETag says).
 * After a 412 the client takes the version the problem names (`currentVersion`), as one that
 * reads the product again would, so one conflict costs one request, not the rest of the run.
 */
export const track = (product, { res, ok }) => {
  if (ok) product.version = res.json('version');
  else if (res.status === 412 && Number.isInteger(res.json('currentVersion'))) product.version = res.json('currentVersion');
  return ok;
};
