import { call, pause, uuid } from './lib/api.js';
import { PASSWORD, PASSWORD_THRESHOLDS, client, newEmail } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// Sellers signing up: each iteration is a new person (a new address, the VU's client).
export default () => {
  call('POST', 'auth-register', {
    body: { email: newEmail(), password: PASSWORD, name: 'Load Tester' },
    headers: { ...client(), 'idempotency-key': uuid() },
    status: 201,
    checks: { 'pending verification, with a reserved tenant': (r) => r.json('status') === 'pending_verification' && typeof r.json('tenantId') === 'string' },
  });
  pause();
};
