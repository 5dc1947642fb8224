import { call, pause } from './lib/api.js';
import { PASSWORD_THRESHOLDS, account, totp } from './lib/auth.js';
import { loadOptions } from './lib/scenarios.js';

export const options = loadOptions({ thresholds: PASSWORD_THRESHOLDS });

// Each iteration: a new person signs up, signs in, scans a TOTP secret and confirms it.
export default () => {
  const person = account();
  const setup = call('POST', 'auth-2fa-setup', { body: { method: 'totp' }, token: person.tokens.accessToken });
  if (!setup.ok) return;
  call('POST', 'auth-2fa-confirm', {
    body: { code: totp(setup.res.json('secret')) },
    token: person.tokens.accessToken,
    checks: { 'ten recovery codes': (r) => (r.json('recoveryCodes') || []).length === 10 },
  });
  pause();
};
