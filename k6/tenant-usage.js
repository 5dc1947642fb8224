import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';
import { ensureTenant } from './lib/tenant.js';

export const options = loadOptions();

export const setup = () => ({ tenant: ensureTenant() });

const COUNTED = ['stores', 'products', 'staffSeats'];

// An admin's billing page: what the tenant uses beside what its plan allows.
export default ({ tenant }) => {
  call('GET', 'tenant-usage', {
    checks: {
      'its own tenant': (r) => r.json('tenantId') === tenant.id,
      'a count of each resource': (r) => COUNTED.every((name) => Number.isInteger(r.json(`usage.${name}`)) && r.json(`usage.${name}`) >= 0),
      "the plan's limits": (r) => r.json('limits.requestsPerMinute') > 0 && COUNTED.every((name) => r.json(`limits.${name}`) !== undefined),
    },
  });
  pause();
};
