import { call, pause } from './lib/api.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// Verifiers fetching the key set (they cache it for 5 minutes and on an unknown kid).
export default () => {
  call('GET', 'auth-jwks', {
    checks: {
      'public keys only': (r) => r.json('keys').length >= 1 && r.json('keys').every((k) => k.kid && k.d === undefined),
      cacheable: (r) => r.headers['Cache-Control'] === 'public, max-age=300',
    },
  });
  pause();
};
