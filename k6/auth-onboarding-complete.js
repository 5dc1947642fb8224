import { call, pause, uuid } from './lib/api.js';
import { account } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Sellers asking for their tenant. Onboarding needs a verified email, whose code only the
// mailbox has, so the load is signed-in sellers who have not verified yet: refused, nothing asked.
let person;

export default () => {
  person ??= account();
  call('POST', 'auth-onboarding-complete', {
    body: { tenant: { name: 'Load Shop', slug: `load-${__VU}-${__ITER}`, type: 'SELLER_INDIVIDUAL', plan: 'FREE' } },
    token: person.tokens.accessToken,
    headers: { 'idempotency-key': uuid() },
    status: 403,
    checks: { 'verify first': (r) => r.json('code') === 'email_not_verified' },
  });
  pause();
};
