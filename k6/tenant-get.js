import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { ensureTenant } from './lib/tenant.js';

export const options = loadOptions();

export const setup = () => ({ tenant: ensureTenant() });

// A seller's back office loads its tenant (plan, settings) on every page.
export default ({ tenant }) => {
  call('GET', 'tenant-get', {
    checks: {
      'its own tenant': (r) => r.json('id') === tenant.id && r.json('slug') === tenant.slug,
      active: (r) => r.json('status') === 'active',
      'an ETag of its version': (r) => r.headers.Etag === `"${r.json('version')}"`,
    },
  });
  pause();
};
