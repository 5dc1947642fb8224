import { call, pause, uuid } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { storeBody } from './lib/stores.js';

export const options = loadOptions();

// Sellers opening stores, each request with its own idempotency key. Every store takes a slot
// of the tenant's plan: see lib/stores.js.
export default () => {
  const name = `Load store ${__VU}-${__ITER}`;
  call('POST', 'stores-create', {
    body: storeBody(name),
    headers: { 'idempotency-key': uuid() },
    status: 201,
    checks: { 'the new store at version 1': (r) => r.json('name') === name && r.json('version') === 1 },
  });
  pause();
};
