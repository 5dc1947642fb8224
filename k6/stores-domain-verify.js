import { fail } from 'k6';
import { call, ifMatch, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { createStores, uniqueDomain } from './lib/stores.js';

export const options = loadOptions();

// One store with a custom domain whose TXT record nobody publishes (a load run controls no
// DNS zone): every verification is a real lookup through the functions' resolver (DNS_SERVERS,
// or the system's) that ends in 422 domain_challenge_not_found, naming the record to publish.
export const setup = () => {
  const [store] = createStores(1, () => 'Verified store');
  const domain = uniqueDomain('verify');
  const { ok } = call('PUT', 'stores-domain-set', { path: `/${store.id}`, headers: ifMatch(store.version), body: { domain } });
  if (!ok) fail('setup: stores-domain-set did not answer 200');
  return { id: store.id, record: `_marketplace-challenge.${domain}` };
};

export default ({ id, record }) => {
  call('POST', 'stores-domain-verify', {
    path: `/${id}`,
    status: 422,
    checks: {
      'not found, naming the record': (r) => r.json('code') === 'domain_challenge_not_found' && r.json('record.name') === record,
    },
  });
  pause();
};
