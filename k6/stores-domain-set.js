import { call, ifMatch, pause } from './lib/api.js';
import { track } from './lib/products.js';
import { loadOptions } from './lib/scenarios.js';
import { ownStore, storePool, uniqueDomain } from './lib/stores.js';

export const options = loadOptions();

export const setup = () => ({ pool: storePool('Domain store') });

// Each VU moves its own store to a new custom domain every iteration: the domain is claimed
// platform-wide, the previous one freed, and the answer names the TXT record to publish.
export default ({ pool }) => {
  const store = ownStore(pool, 'Domain store');
  if (!store) return;
  const domain = uniqueDomain(`vu${__VU}`);
  const reply = call('PUT', 'stores-domain-set', {
    path: `/${store.id}`,
    headers: ifMatch(store.version),
    body: { domain },
    checks: {
      'the domain, unverified, with its challenge': (r) =>
        r.json('domain') === domain && r.json('domainVerified') === false && r.json('domainChallenge.name') === `_marketplace-challenge.${domain}`,
    },
  });
  track(store, reply);
  pause();
};
