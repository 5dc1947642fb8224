import { pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { changeAtLatest, ensureTenant } from './lib/tenant.js';

export const options = loadOptions();

export const setup = () => ({ tenant: ensureTenant('ENTERPRISE') });

// The owner moves the tenant between PRO and ENTERPRISE (both fit a tenant with nothing in it,
// and both allow more than a smoke run's request rate), at the version read.
export default () => {
  let target;
  changeAtLatest('POST', 'tenant-plan-change', (current) => ({ plan: (target = current.plan === 'PRO' ? 'ENTERPRISE' : 'PRO') }), {
    'on the plan asked for': (r) => r.json('plan') === target,
  });
  pause();
};
