import { call, pause } from './lib/api.js';
import { register } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ maxVus: 50 });

// The load tenant's owner (TOKEN) grants roles. Its only users would be customers who signed up
// in it, which needs the tenant provisioned by the onboarding saga and their email verified from
// their mailbox: neither is reachable from here. So the owner aims at people of other tenants,
// which must be refused as not found (the tenant boundary), after the whole check.
let stranger;

export default () => {
  stranger ??= register();
  call('POST', 'auth-roles-assign', {
    body: { userId: stranger.userId, roles: ['staff'] },
    status: 404,
    checks: { 'not in this tenant': (r) => r.json('code') === 'not_found' },
  });
  pause();
};
