import { call, pause } from './lib/api.js';
import { PASSWORD, PASSWORD_THRESHOLDS, client, register } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// Each VU is one person signing in again and again from their own client.
let person;

export default () => {
  person ??= register();
  call('POST', 'auth-login', {
    body: { email: person.email, password: PASSWORD },
    headers: client(),
    checks: { 'bearer tokens': (r) => r.json('tokenType') === 'Bearer' && typeof r.json('refreshToken') === 'string' },
  });
  pause();
};
