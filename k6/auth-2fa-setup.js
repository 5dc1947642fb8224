import { call, pause } from './lib/api.js';
import { account } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions();

// People starting TOTP setup (each start replaces the pending one until it is confirmed).
let person;

export default () => {
  person ??= account();
  call('POST', 'auth-2fa-setup', {
    body: { method: 'totp' },
    token: person.tokens.accessToken,
    checks: { 'secret and URI': (r) => typeof r.json('secret') === 'string' && String(r.json('otpauthUri')).startsWith('otpauth://totp/') },
  });
  pause();
};
